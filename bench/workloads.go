package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// placement is where the scheduler may run a measured command.
type placement string

const (
	// pinned runs the command, its tracer and every tracee on CPU 0
	// (taskset -c 0); the HTTP load client, which is not measured, runs
	// on CPU 1.
	pinned placement = "pinned"
	// unpinned leaves placement to the scheduler.
	unpinned placement = "unpinned"
)

// tracer is a way to run a command: untraced, or under one of the tracers
// compared.
type tracer struct {
	name   string
	prefix []string
	// cheaper marks the ways of paying less than full tracing (a syscall
	// filter, an overhead budget): they get their own table.
	cheaper bool
}

const (
	untracedName = "untraced"
	straceName   = "strace"
	floorName    = "floor"
	exporterName = "exporter"
	ebpfName     = "ebpf"
	// exporterRecorderName is the exporter with --flight-recorder: a
	// column of the full-tracing table, since it traces every call.
	exporterRecorderName = "exporter-recorder"
	// The cheaper ways.
	straceFilterName   = "strace-filter"
	exporterFilterName = "exporter-filter"
	exporterBudgetName = "exporter-budget"
)

// cheaper says what the cheaper tracers do: the syscalls selected (none:
// no filtered runs) and the overhead budget in percent (0: none).
type cheaper struct {
	filter string
	budget float64
	// ebpf adds the exporter with --backend=ebpf, and the non-target
	// workload runs.
	ebpf bool
	// recorder, if above 0, adds a full-tracing run with
	// --flight-recorder=recorder.
	recorder int
}

func availableTracers(b binaries, exporterFlags []string, c cheaper) []tracer {
	ts := []tracer{{name: untracedName}}
	if b.strace != "" {
		ts = append(ts, tracer{name: straceName, prefix: []string{b.strace, "-f", "-c", "-o", "/dev/null"}})
	}
	if b.floor != "" {
		ts = append(ts, tracer{name: floorName, prefix: []string{b.floor}})
	}
	exporter := func(flags ...string) []string {
		return append(append([]string{b.exporter, "--web.listen-address=127.0.0.1:0"}, flags...), "--")
	}
	ts = append(ts, tracer{name: exporterName, prefix: exporter(exporterFlags...)})
	if c.ebpf {
		ts = append(ts, tracer{name: ebpfName, prefix: exporter(append(slices.Clone(exporterFlags), "--backend=ebpf")...)})
	}
	if c.recorder > 0 {
		ts = append(ts, tracer{name: exporterRecorderName,
			prefix: exporter(append(slices.Clone(exporterFlags), "--flight-recorder="+strconv.Itoa(c.recorder))...)})
	}
	if c.filter != "" {
		if b.strace != "" {
			ts = append(ts, tracer{name: straceFilterName, cheaper: true,
				prefix: []string{b.strace, "-f", "-c", "-o", "/dev/null", "--seccomp-bpf", "-e", "trace=" + c.filter}})
		}
		ts = append(ts, tracer{name: exporterFilterName, cheaper: true,
			prefix: exporter(append(slices.Clone(exporterFlags), "--syscalls="+c.filter)...)})
	}
	if c.budget > 0 {
		ts = append(ts, tracer{name: exporterBudgetName, cheaper: true,
			prefix: exporter(append(slices.Clone(exporterFlags), "--max-overhead="+strconv.FormatFloat(c.budget, 'g', -1, 64))...)})
	}
	return ts
}

// A workload is a command with a known shape of syscalls.
type workload struct {
	name, stresses, command string
	argv                    func(b binaries) []string
	// requests > 0 makes it a server: it prints its address, and httpload
	// sends it that many requests; it exits once it has answered them all.
	requests int
	// nonTarget runs only untraced, while an exporter with --backend=ebpf
	// traces an idle process: what its programs cost the rest of the host.
	nonTarget bool
}

const (
	httpRequests    = 20000
	httpConnections = 8
)

var allWorkloads = []*workload{
	{
		name:     "true",
		stresses: "start-up and exit: the fixed cost of each way of running",
		command:  "/bin/true",
		argv:     func(binaries) []string { return []string{"/bin/true"} },
	},
	{
		name:     "dd",
		stresses: "one thread, tight syscalls",
		command:  "dd if=/dev/zero of=/dev/null bs=1 count=200000",
		argv: func(binaries) []string {
			return []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=200000"}
		},
	},
	{
		name:      "non-target",
		stresses:  "a process nobody traces, while an eBPF exporter traces an idle one",
		command:   "dd if=/dev/zero of=/dev/null bs=1 count=200000, untraced, beside syscall_exporter --backend=ebpf --pid (a sleep)",
		argv:      func(binaries) []string { return []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=200000"} },
		nonTarget: true,
	},
	{
		name:     "threads",
		stresses: "many tracees at once",
		command:  "threads -t 8 -n 50000 -r (internal/testprog/src/threads.c: 8 threads, getppid and read alternating; -r reports their time)",
		argv: func(b binaries) []string {
			return []string{b.threads, "-t", "8", "-n", "50000", "-r"}
		},
	},
	{
		name:     "forkexec",
		stresses: "process churn: fork, exec, exit",
		command:  "sh -c 'i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done'",
		argv: func(binaries) []string {
			return []string{"/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done"}
		},
	},
	{
		name:     "http",
		stresses: "a Go target: futex, epoll, SIGURG preemption",
		command:  fmt.Sprintf("bench/httpserver answering %d GETs from bench/httpload over %d keep-alive loopback connections", httpRequests, httpConnections),
		argv: func(b binaries) []string {
			return []string{b.httpServer, "-requests", strconv.Itoa(httpRequests)}
		},
		requests: httpRequests,
	},
}

func workloadNames() []string {
	var names []string
	for _, w := range allWorkloads {
		names = append(names, w.name)
	}
	return names
}

func selectWorkloads(list string) ([]*workload, error) {
	var out []*workload
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, w := range allWorkloads {
			if w.name == name {
				out = append(out, w)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown workload %q: want some of %s", name, strings.Join(workloadNames(), ","))
		}
	}
	return out, nil
}

// measurement is one run.
type measurement struct {
	wall     time.Duration
	syscalls int64 // counted by the floor tracer; 0 from the others
	// own is the time the command reports for its own work (dd's
	// "copied, … s", threads -r's "done, … s"), without the tracer's
	// start-up and exit; 0 if none.
	own time.Duration
}

const runTimeout = 5 * time.Minute

var (
	floorCountRe = regexp.MustCompile(`ptrace_floor: (\d+) syscalls`)
	ownTimeRe    = regexp.MustCompile(`(?:copied|done), ([0-9.e+-]+) s\b`)
)

// measure runs w once under tr and returns its wall time, from fork to
// reaping the tracer (or the command, untraced). Every run must exit 0.
func measure(b binaries, w *workload, tr tracer, p placement) (measurement, error) {
	if w.nonTarget {
		stop, err := startBystander(b)
		if err != nil {
			return measurement{}, err
		}
		defer stop()
	}
	argv := append(append([]string{}, tr.prefix...), w.argv(b)...)
	if p == pinned {
		argv = append([]string{b.taskset, "-c", "0"}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Its own process group, so that a timeout ends the tracer and its
	// tracees together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A file, not a pipe: Wait then returns when the command exits, not
	// when the last holder of the pipe closes it.
	errFile, err := os.CreateTemp("", "bench-stderr-")
	if err != nil {
		return measurement{}, err
	}
	defer os.Remove(errFile.Name())
	defer errFile.Close()
	cmd.Stderr = errFile
	stderr := func() string {
		bs, _ := os.ReadFile(errFile.Name())
		s := strings.TrimSpace(string(bs))
		if len(s) > 2000 {
			s = "…" + s[len(s)-2000:]
		}
		return s
	}

	var m measurement
	var start time.Time
	if w.requests > 0 {
		out, err := cmd.StdoutPipe()
		if err != nil {
			return m, err
		}
		start = time.Now()
		if err := cmd.Start(); err != nil {
			return m, err
		}
		addr, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			cmd.Wait()
			return m, fmt.Errorf("server printed no address: %v\n%s", err, stderr())
		}
		if err := drive(ctx, b, p, strings.TrimSpace(addr), w.requests); err != nil {
			cancel()
			cmd.Wait()
			return m, err
		}
	} else {
		start = time.Now()
		if err := cmd.Start(); err != nil {
			return m, err
		}
	}
	err = cmd.Wait()
	m.wall = time.Since(start)
	if err != nil {
		return m, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, stderr())
	}
	if sm := ownTimeRe.FindStringSubmatch(stderr()); sm != nil {
		if secs, err := strconv.ParseFloat(sm[1], 64); err == nil {
			m.own = time.Duration(secs * float64(time.Second))
		}
	}
	if tr.name == floorName {
		if sm := floorCountRe.FindStringSubmatch(stderr()); sm != nil {
			m.syscalls, _ = strconv.ParseInt(sm[1], 10, 64)
		}
	}
	return m, nil
}

// drive sends the server its requests. Pinned, the client stays off the
// measured CPU.
func drive(ctx context.Context, b binaries, p placement, addr string, requests int) error {
	argv := []string{b.httpLoad, "-url", "http://" + addr + "/", "-requests", strconv.Itoa(requests), "-connections", strconv.Itoa(httpConnections)}
	if p == pinned && runtime.NumCPU() > 1 {
		argv = append([]string{b.taskset, "-c", "1"}, argv...)
	}
	load := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if out, err := load.CombinedOutput(); err != nil {
		return fmt.Errorf("httpload: %v\n%s", err, out)
	}
	return nil
}

// startBystander runs an exporter with --backend=ebpf tracing a sleeping
// process, until the returned func stops both.
func startBystander(b binaries) (stop func(), err error) {
	idle := exec.Command("sleep", "600")
	if err := idle.Start(); err != nil {
		return nil, err
	}
	exp := exec.Command(b.exporter, "--backend=ebpf", "--web.listen-address=127.0.0.1:0", "--pid", strconv.Itoa(idle.Process.Pid))
	errFile, err := os.CreateTemp("", "bench-bystander-")
	if err != nil {
		idle.Process.Kill()
		idle.Wait()
		return nil, err
	}
	exp.Stderr = errFile
	stop = func() {
		exp.Process.Signal(syscall.SIGTERM)
		exp.Wait()
		idle.Process.Kill()
		idle.Wait()
		errFile.Close()
		os.Remove(errFile.Name())
	}
	if err := exp.Start(); err != nil {
		stop()
		return nil, err
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		bs, _ := os.ReadFile(errFile.Name())
		if strings.Contains(string(bs), "msg=serving") {
			return stop, nil
		}
	}
	stop()
	return nil, fmt.Errorf("the bystander exporter did not start")
}
