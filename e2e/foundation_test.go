package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// workload starts the exact-count program, waiting for a tracer, as a
// child of the test (the tracer is another process here).
type workload struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *syncBuffer
	done   chan struct{}
}

func startWorkload(t *testing.T, args ...string) *workload {
	t.Helper()
	return startProgram(t, "workload", args...)
}

// startProgram starts a test program that prints "ready" and waits for a
// tracer.
func startProgram(t *testing.T, name string, args ...string) *workload {
	t.Helper()
	prog := testprog.Build(t, name)
	w := &workload{stdout: &syncBuffer{}, done: make(chan struct{})}
	w.cmd = exec.Command(prog, args...)
	env, track := programEnv(t)
	w.cmd.Env = env
	w.cmd.Stdout = w.stdout
	var err error
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	track(w.cmd.Process.Pid)
	go func() { w.cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.cmd.Process.Kill()
		<-w.done
	})
	eventually(t, 5*time.Second, "workload ready", func() bool { return strings.Contains(w.stdout.String(), "ready") })
	return w
}

func (w *workload) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		t.Fatal("workload did not exit")
	}
	return w.cmd.ProcessState.ExitCode()
}

func TestAttachExactCountsOnMetrics(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		testprog.RequireTracing(t)
		const getppids, enoents, sleeps, forkGetppids = 1500, 9, 4, 25
		w := startWorkload(t, "-w", "-l", "-g", strconv.Itoa(getppids), "-e", strconv.Itoa(enoents),
			"-s", strconv.Itoa(sleeps), "-m", "5", "-f", strconv.Itoa(forkGetppids))
		e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid))
		eventually(t, 30*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

		m := scrape(t, e.Addr)
		for i := 0; i < 4; i++ {
			thread := "getter-" + strconv.Itoa(i)
			if got := m.get("syscall_calls_total", "process", "workload", "thread", thread, "syscall", "getppid"); got != getppids {
				t.Errorf("%s getppid = %v, want %d", thread, got, getppids)
			}
		}
		if got := m.get("syscall_calls_total", "thread", "opener", "syscall", "openat"); got != enoents {
			t.Errorf("opener openat = %v, want %d", got, enoents)
		}
		if got := m.get("syscall_errors_total", "thread", "opener", "syscall", "openat", "errno", "ENOENT"); got != enoents {
			t.Errorf("opener openat ENOENT = %v, want %d\n%s", got, enoents, m.dump("syscall_errors_total"))
		}
		if got := m.get("syscall_errors_total", "thread", "getter-0"); got != 0 {
			t.Errorf("getter-0 has %v errors, want 0", got)
		}
		h := m.histogram(t, "syscall_duration_seconds", "thread", "sleeper", "syscall", "nanosleep")
		if h.GetSampleCount() != sleeps {
			t.Errorf("nanosleep observations = %d, want %d", h.GetSampleCount(), sleeps)
		}
		for _, b := range h.Bucket {
			if b.GetUpperBound() < 0.005 && b.GetCumulativeCount() != 0 {
				t.Errorf("a 5 ms nanosleep landed in le=%v", b.GetUpperBound())
			}
		}
		if h.GetSampleSum() < sleeps*0.005 {
			t.Errorf("nanosleep sum %v s < %d × 5 ms", h.GetSampleSum(), sleeps)
		}
		if got := m.get("syscall_calls_total", "process", "forked", "thread", "forked", "syscall", "getppid"); got != forkGetppids {
			t.Errorf("forked child's getppid = %v, want %d", got, forkGetppids)
		}
		if got := m.get("syscall_calls_total", "process", "true", "syscall", "exit_group"); got != 1 {
			t.Errorf("the exec'd child (true) exit_group = %v, want 1", got)
		}
		if got := m.get("syscall_exporter_tracees"); got != 1 {
			t.Errorf("tracees = %v, want 1 (the main thread, lingering)", got)
		}

		// SIGTERM detaches: the target runs on, untraced and not stopped.
		e.cmd.Process.Signal(syscall.SIGTERM)
		if ws := e.wait(t, 10*time.Second); ws.ExitStatus() != 0 {
			t.Errorf("exporter exit status %v after SIGTERM, want 0", ws)
		}
		states, tracers := testprog.ProcStatus(w.cmd.Process.Pid)
		for tid, tr := range tracers {
			if tr != 0 || states[tid] == "t" || states[tid] == "T" {
				t.Errorf("thread %d after detach: TracerPid %d, state %s", tid, tr, states[tid])
			}
		}
		w.stdin.Close()
		if code := w.exitCode(t); code != 0 {
			t.Errorf("target exit code %d after detach, want 0", code)
		}
	})
}

// A thread or process that does not rename itself has the name of the
// thread that made it; the exporter takes it from that thread's labels,
// in every thread label mode.
func TestNewThreadsAndProcessesKeepTheirMakersName(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		for _, tc := range []struct {
			args    []string
			thread  string // thread label of the spawner's threads, "" for none
			withPID bool
		}{
			{nil, "spawner", false},
			{[]string{"--label.thread=tid"}, "", false},
			{[]string{"--label.thread=none", "--label.pid"}, "", true},
		} {
			t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
				testprog.RequireTracing(t)
				w := startProgram(t, "inherit")
				e := startExporter(t, append([]string{"--pid", strconv.Itoa(w.cmd.Process.Pid)}, tc.args...)...)
				eventually(t, 10*time.Second, "inherit done", func() bool { return strings.Contains(w.stdout.String(), "done") })
				m := scrape(t, e.Addr)
				for _, want := range []struct {
					process string
					calls   float64
				}{{"inherit", 11}, {"spawner", 13 + 17}} {
					labels := []string{"process", want.process, "syscall", "getppid"}
					if tc.thread != "" {
						labels = append(labels, "thread", tc.thread)
					}
					if got := m.get("syscall_calls_total", labels...); got != want.calls {
						t.Errorf("getppid of process %s: %v, want %v\n%s", want.process, got, want.calls, m.dump("syscall_calls_total"))
					}
				}
				if tc.withPID {
					if got := m.get("syscall_calls_total", "process", "inherit", "pid", strconv.Itoa(w.cmd.Process.Pid), "syscall", "getppid"); got != 11 {
						t.Errorf("getppid of process inherit with its pid: %v, want 11\n%s", got, m.dump("syscall_calls_total"))
					}
				}
				if got := m.get("syscall_calls_total", "syscall", "getppid"); got != 11+13+17 {
					t.Errorf("getppid: %v, want %d\n%s", got, 11+13+17, m.dump("syscall_calls_total"))
				}
			})
		}
	})
}

func TestSIGKILLedExporterLeavesTargetRunning(t *testing.T) {
	testprog.RequireTracing(t)
	w := startWorkload(t, "-w", "-t", "2", "-g", "200000", "-f", "-1")
	e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 10*time.Second, "calls counted", func() bool {
		return scrape(t, e.Addr).get("syscall_calls_total", "syscall", "getppid") > 1000
	})
	e.cmd.Process.Kill()
	e.wait(t, 5*time.Second)
	if code := w.exitCode(t); code != 0 {
		t.Fatalf("target exit code %d after the exporter was SIGKILLed, want 0", code)
	}
	if !strings.Contains(w.stdout.String(), "done") {
		t.Fatalf("target did not finish its work: %q", w.stdout.String())
	}
}

func TestLaunchExitsWithTheCommandsStatus(t *testing.T) {
	eachBackend(t, testLaunchExitsWithTheCommandsStatus)
}

func testLaunchExitsWithTheCommandsStatus(t *testing.T) {
	for _, tc := range []struct {
		script string
		check  func(syscall.WaitStatus) bool
	}{
		{"exit 7", func(ws syscall.WaitStatus) bool { return ws.Exited() && ws.ExitStatus() == 7 }},
		{"kill -USR2 $$", func(ws syscall.WaitStatus) bool { return ws.Signaled() && ws.Signal() == syscall.SIGUSR2 }},
	} {
		t.Run(tc.script, func(t *testing.T) {
			testprog.RequireTracing(t)
			// Run to completion: the command may end before the exporter
			// has even logged that it listens.
			cmd := exec.Command(exporterBin, "--backend="+backendOf(t), "--web.listen-address=127.0.0.1:0", "--", "/bin/sh", "-c", tc.script)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Run()
			if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !tc.check(ws) {
				t.Fatalf("exporter status %v for %q:\n%s", ws, tc.script, stderr.String())
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, err := exec.Command(exporterBin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "syscall_exporter, version ") || !strings.Contains(string(out), "go version:") {
		t.Errorf("--version: %v\n%s", err, out)
	}
	// Built without -ldflags, as go build does: the version and revision
	// come from the build info.
	if strings.HasPrefix(string(out), "syscall_exporter, version  ") || strings.Contains(string(out), "revision: unknown") {
		t.Errorf("--version of a plain go build says neither version nor revision:\n%s", out)
	}
	out, err = exec.Command(exporterBin, "--help").Output()
	if err != nil || !strings.Contains(string(out), "--web.listen-address=ADDR") || !strings.Contains(string(out), "--version") {
		t.Errorf("--help: %v\n%s", err, out)
	}
}

func TestBadInputSaysWhatAndHow(t *testing.T) {
	testprog.RequireTracing(t)
	run := func(args ...string) (int, string) {
		cmd := exec.Command(exporterBin, append([]string{"--web.listen-address=127.0.0.1:0"}, args...)...)
		var out bytes.Buffer
		cmd.Stderr = &out
		cmd.Run()
		return cmd.ProcessState.ExitCode(), out.String()
	}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--no-such-flag", "--pid", "1"}, 2, "no-such-flag"},
		{nil, 2, "nothing to trace"},
		{[]string{"--label.thread=bogus", "--pid", "1"}, 2, "label.thread"},
		{[]string{"--web.listen-address=256.0.0.1:99999", "--pid", "1"}, 2, "web.listen-address"},
		{[]string{"--pid", "1073741824"}, 1, "PID 1073741824"},
	} {
		code, out := run(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.says) {
			t.Errorf("%v: exit %d, want %d; output %q should mention %q", tc.args, code, tc.code, out, tc.says)
		}
	}

	// One good PID among bad ones: serve it, count the others.
	w := startWorkload(t, "-w", "-l", "-g", "10")
	e := startExporter(t, "--pid", "1073741824,"+strconv.Itoa(w.cmd.Process.Pid))
	m := scrape(t, e.Addr)
	if got := m.get("syscall_exporter_attach_errors_total", "reason", "not_found"); got != 1 {
		t.Errorf("attach_errors_total{reason=not_found} = %v, want 1", got)
	}
	if got := m.get("syscall_exporter_targets", "state", "attached"); got != 1 {
		t.Errorf("targets attached = %v, want 1", got)
	}
	if !strings.Contains(e.stderr.String(), "cannot trace PID 1073741824: no such process") {
		t.Errorf("no clear line about the missing PID:\n%s", e.stderr)
	}
}

// Scrapes negotiate formats: protobuf carries the native histogram next to
// the classic buckets; OpenMetrics is served when asked for.
func TestScrapeFormats(t *testing.T) {
	testprog.RequireTracing(t)
	w := startWorkload(t, "-w", "-l", "-g", "100")
	e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 20*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

	req, _ := http.NewRequest("GET", "http://"+e.Addr+"/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	found := false
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			break
		}
		if mf.GetName() != "syscall_duration_seconds" {
			continue
		}
		for _, m := range mf.Metric {
			h := m.Histogram
			if h.GetSchema() != 3 || len(h.PositiveSpan) == 0 || len(h.Bucket) != 22 {
				t.Errorf("histogram lacks native or classic buckets: schema %d, %d spans, %d buckets", h.GetSchema(), len(h.PositiveSpan), len(h.Bucket))
			}
			var n int64
			var total uint64
			for _, d := range h.PositiveDelta {
				n += d
				total += uint64(n)
			}
			if total != h.GetSampleCount() {
				t.Errorf("native buckets hold %d observations, count says %d", total, h.GetSampleCount())
			}
			found = true
		}
	}
	if !found {
		t.Fatal("no syscall_duration_seconds in the protobuf scrape")
	}

	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if !strings.HasPrefix(resp2.Header.Get("Content-Type"), "application/openmetrics-text") || !bytes.HasSuffix(body, []byte("# EOF\n")) {
		t.Errorf("no OpenMetrics: %s", resp2.Header.Get("Content-Type"))
	}

	if promtool, err := exec.LookPath("promtool"); err == nil {
		text := scrapeText(t, e.Addr)
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") != "" {
		t.Error("promtool missing in CI")
	}
}

func scrapeText(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
