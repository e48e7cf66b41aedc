package e2e

// The fault suite: "never harm the target" as named tests. Each runs real
// programs (internal/testprog/src) under the real exporter, hurts the
// exporter or the target the way production would, and checks the target
// against an untraced run of the same program, to the exact count where
// the program is exact. Figures (time to detach, RSS, stop rates) are
// logged with t.Logf; go test -v -run TestFault ./e2e shows them.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// prog is a test program started by the test, so that the test sees its
// exit status as any parent would; the exporter attaches with --pid.
type prog struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *syncBuffer
	done   chan struct{}
	status syscall.WaitStatus
}

func startProg(t *testing.T, name string, args ...string) *prog {
	t.Helper()
	testprog.RequireTracing(t)
	p := &prog{stdout: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(testprog.Build(t, name), args...)
	env, track := programEnv(t)
	p.cmd.Env = env
	p.cmd.Stdout = p.stdout
	p.cmd.Stderr = p.stdout
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	track(p.cmd.Process.Pid)
	go func() {
		p.cmd.Wait()
		p.status = p.cmd.ProcessState.Sys().(syscall.WaitStatus)
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *prog) pid() int { return p.cmd.Process.Pid }

func (p *prog) waitOutput(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.stdout.String(), s) {
		select {
		case <-p.done:
			if !strings.Contains(p.stdout.String(), s) {
				t.Fatalf("%s exited (%v) without printing %q; it printed %q", p.cmd.Path, p.status, s, p.stdout)
			}
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q in %v; it printed %q", filepath.Base(p.cmd.Path), s, timeout, p.stdout)
		}
	}
}

func (p *prog) wait(t *testing.T, timeout time.Duration) syscall.WaitStatus {
	t.Helper()
	select {
	case <-p.done:
		return p.status
	case <-time.After(timeout):
		t.Fatalf("%s still running after %v; it printed %q", filepath.Base(p.cmd.Path), timeout, p.stdout)
	}
	return 0
}

// harmless fails if a thread of pid is traced, or stopped by a tracer.
func harmless(t *testing.T, pid int) {
	t.Helper()
	states, tracers := testprog.ProcStatus(pid)
	for tid, state := range states {
		if tracers[tid] != 0 || state == "t" || state == "T" {
			t.Errorf("thread %d of %d: TracerPid %d, state %s", tid, pid, tracers[tid], state)
		}
	}
}

// threadsOf is the set of TIDs of process pid. TracerPid in /proc names
// the tracer's thread, not its process.
func threadsOf(pid int) map[int]bool {
	tids := map[int]bool{}
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, task := range tasks {
		if tid, err := strconv.Atoi(task.Name()); err == nil {
			tids[tid] = true
		}
	}
	return tids
}

// tracedBy lists the threads that process tracer traces, its doorbell (a
// child of its own) left out.
func tracedBy(tracer int) []int {
	ours := threadsOf(tracer)
	var tids []int
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || parentOf(pid) == tracer {
			continue
		}
		_, tracers := testprog.ProcStatus(pid)
		for tid, tr := range tracers {
			if ours[tr] {
				tids = append(tids, tid)
			}
		}
	}
	sort.Ints(tids)
	return tids
}

func parentOf(pid int) int {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
		if f := strings.Fields(string(b[i+1:])); len(f) > 1 {
			ppid, _ := strconv.Atoi(f[1])
			return ppid
		}
	}
	return 0
}

func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatalf("no VmRSS for %d", pid)
	return 0
}

// cpuNanos is the CPU time the threads of pids have had (schedstat).
func cpuNanos(pids ...int) uint64 {
	var sum uint64
	for _, pid := range pids {
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		for _, task := range tasks {
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/schedstat")
			if f := strings.Fields(string(b)); len(f) > 0 {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				sum += n
			}
		}
	}
	return sum
}

// noErrorsLogged fails if the exporter logged an error, other than a
// scraper that hung up before its answer was written.
func noErrorsLogged(t *testing.T, e *exporter) {
	t.Helper()
	for _, line := range strings.Split(e.stderr.String(), "\n") {
		hungUp := strings.Contains(line, "broken pipe") || strings.Contains(line, "connection reset by peer")
		if strings.Contains(line, "panic") || strings.Contains(line, "level=ERROR") && !hungUp {
			t.Errorf("the exporter logged an error: %s", line)
		}
	}
}

// 1. The exporter is SIGKILLed in the middle of a syscall-heavy run.
func TestFaultExporterSIGKILLedMidRun(t *testing.T) {
	testprog.RequireTracing(t)
	args := []string{"-t", "4", "-n", "3000", "-x", "3"}
	untraced := startProg(t, "heavy", args...)
	wantStatus := untraced.wait(t, 30*time.Second)
	wantOut := untraced.stdout.String()
	if !wantStatus.Exited() || wantStatus.ExitStatus() != 3 || strings.Count(wantOut, " enosys=0 wrong=0") != 4 {
		t.Fatalf("untraced run: %v\n%s", wantStatus, wantOut)
	}
	for _, killAt := range []int{0, 2000, 30000} {
		t.Run(fmt.Sprintf("after %d calls", killAt), func(t *testing.T) {
			p := startProg(t, "heavy", append([]string{"-w"}, args...)...)
			p.waitOutput(t, "ready", 5*time.Second)
			e := startExporter(t, "--pid", strconv.Itoa(p.pid()))
			eventually(t, 30*time.Second, "calls counted", func() bool {
				return scrape(t, e.Addr).get("syscall_calls_total", "process", "heavy") >= float64(killAt)
			})
			e.cmd.Process.Kill()
			e.wait(t, 5*time.Second)
			harmless(t, p.pid()) // unless it has finished already
			if st := p.wait(t, 30*time.Second); st != wantStatus {
				t.Errorf("wait status %#x after the exporter was SIGKILLed, untraced %#x", uint32(st), uint32(wantStatus))
			}
			if out := p.stdout.String(); out != wantOut {
				t.Errorf("output differs from the untraced run (a call failed, maybe with ENOSYS):\n%s\nuntraced:\n%s", out, wantOut)
			}
		})
	}
}

// 2. The exporter gets SIGTERM while 200 busy threads are traced.
//
// With 200 busy threads on 2 CPUs, every step from the signal to the
// exporter's tracer thread waits its turn for a CPU, and so does anything
// else on the machine. A detach slower than a second while other processes
// used more than a tenth of a CPU proves nothing: it is tried again, up to
// three times.
func TestFaultSIGTERMDetaches200BusyThreads(t *testing.T) {
	// Timed as released: the race detector slows every step of the way
	// (TestFaultTargetExitsWhileDetaching detaches under it). Built before
	// 200 busy threads make building slow.
	bin := plainExporter(t)
	for attempt := 1; ; attempt++ {
		detached, foreign := detachBusyThreads(t, bin, 200)
		t.Logf("figure: 201 busy threads detached %v after SIGTERM (other processes used %v of CPU meanwhile)",
			detached.Round(time.Millisecond), foreign.Round(time.Millisecond))
		switch {
		case detached <= time.Second:
		case foreign > detached/10 && attempt < 3:
			t.Log("disturbed by other processes: again")
			continue
		default:
			t.Errorf("detaching took %v, want under 1 s", detached)
		}
		return
	}
}

// detachBusyThreads traces busy with threads threads, sends the exporter
// SIGTERM, and returns how long until no thread was traced, and how much
// CPU other processes used in that time. The target must run on unharmed.
func detachBusyThreads(t *testing.T, bin string, threads int) (detached, foreign time.Duration) {
	t.Helper()
	timer := testprog.Build(t, "detachtimer") // before the busy threads make gcc slow
	p := startProg(t, "busy", "-t", strconv.Itoa(threads))
	p.waitOutput(t, "ready", 10*time.Second)
	e := startExporterBin(t, bin, "--pid", strconv.Itoa(p.pid()))
	eventually(t, 20*time.Second, "every thread traced", func() bool {
		ours := threadsOf(e.cmd.Process.Pid)
		_, tracers := testprog.ProcStatus(p.pid())
		for _, tr := range tracers {
			if !ours[tr] {
				return false
			}
		}
		return len(tracers) == threads+1
	})
	if got := scrape(t, e.Addr).get("syscall_exporter_tracees"); got != float64(threads+1) {
		t.Errorf("tracees = %v, want %d", got, threads+1)
	}
	time.Sleep(300 * time.Millisecond) // tracing under load

	// Timed by a C program at the highest priority: a goroutine polling
	// here would wait for the runtime's other threads, which wait for a
	// CPU behind the 200 busy ones (detachtimer.c).
	ours := []int{os.Getpid(), e.cmd.Process.Pid, p.pid()}
	cpu0 := foreignCPU(ours)
	cmd := exec.Command(timer, strconv.Itoa(e.cmd.Process.Pid), strconv.Itoa(p.pid()))
	out, err := cmd.CombinedOutput()
	foreign = foreignCPU(ours) - cpu0
	if cmd.ProcessState != nil {
		foreign -= cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var ns int64
	var seen int
	if _, scanErr := fmt.Sscanf(string(out), "detached %d threads=%d", &ns, &seen); err != nil || scanErr != nil {
		t.Fatalf("detachtimer: %v %v: %s", err, scanErr, out)
	}
	if seen != threads+1 {
		t.Errorf("detachtimer saw %d threads, want %d", seen, threads+1)
	}
	detached = time.Duration(ns)
	if ws := e.wait(t, 10*time.Second); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("exporter exit status %v after SIGTERM, want 0", ws)
	}
	noErrorsLogged(t, e)
	harmless(t, p.pid())
	// The target runs on: its threads get CPU, and every one of them
	// stops and joins when asked.
	before := cpuNanos(p.pid())
	time.Sleep(200 * time.Millisecond)
	if cpuNanos(p.pid()) == before {
		t.Error("the target got no CPU after the detach")
	}
	p.stdin.Close()
	p.waitOutput(t, "joined="+strconv.Itoa(threads)+"\n", 10*time.Second)
	if st := p.wait(t, 10*time.Second); !st.Exited() || st.ExitStatus() != 0 {
		t.Errorf("target status %v, want exit 0", st)
	}
	return detached, foreign
}

// jobControl is what a parent sees of a child it stops and continues.
type jobControl struct {
	stopped, continued, tstpStopped, tstpContinued, exited syscall.WaitStatus
	// States are the /proc state letters of every thread of the target
	// and of its child while stopped, as a sorted set.
	stopStates, tstpStates string
	frozen, resumed        bool // no CPU while stopped; CPU again after SIGCONT
	output                 string
}

// runJobControl starts busy -t 4 -f as the leader of a process group,
// calls attach (nil: untraced), then stops and continues it with SIGSTOP
// and with SIGTSTP to the group, waiting for it with WUNTRACED and
// WCONTINUED as a shell would.
func runJobControl(t *testing.T, attach func(pid, child int) func()) jobControl {
	t.Helper()
	var jc jobControl
	stdinR, stdinW, _ := os.Pipe()
	out := filepath.Join(t.TempDir(), "out")
	stdout, _ := os.Create(out)
	proc, err := os.StartProcess(testprog.Build(t, "busy"), []string{"busy", "-t", "4", "-f"}, &os.ProcAttr{
		Files: []*os.File{stdinR, stdout, stdout},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	stdinR.Close()
	stdout.Close()
	if err != nil {
		t.Fatal(err)
	}
	pid := proc.Pid
	reaped := false
	t.Cleanup(func() {
		stdinW.Close()
		if !reaped {
			syscall.Kill(-pid, syscall.SIGKILL)
			syscall.Wait4(pid, nil, 0, nil)
		}
	})
	output := func() string { b, _ := os.ReadFile(out); return string(b) }
	eventually(t, 10*time.Second, "busy ready", func() bool { return strings.Contains(output(), "ready") })
	child := 0
	eventually(t, 5*time.Second, "busy's child", func() bool {
		procs, _ := os.ReadDir("/proc")
		for _, p := range procs {
			if n, err := strconv.Atoi(p.Name()); err == nil && parentOf(n) == pid {
				child = n
			}
		}
		return child != 0
	})
	if attach != nil {
		defer attach(pid, child)()
	}
	wait := func(what string, opts int) syscall.WaitStatus {
		t.Helper()
		var ws syscall.WaitStatus
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, err := syscall.Wait4(pid, &ws, opts|syscall.WNOHANG, nil)
			if err != nil {
				t.Fatalf("%s: wait4: %v", what, err)
			}
			if got == pid {
				return ws
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the parent saw nothing in 5 s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	states := func(pids ...int) string {
		set := map[string]bool{}
		for _, p := range pids {
			s, _ := testprog.ProcStatus(p)
			for _, st := range s {
				set[st] = true
			}
		}
		var letters []string
		for l := range set {
			letters = append(letters, l)
		}
		sort.Strings(letters)
		return strings.Join(letters, "")
	}
	stoppedStates := func(pids ...int) string {
		var s string
		eventually(t, 20*time.Second, "every thread stopped", func() bool {
			s = states(pids...)
			return s == "T" || s == "t" || s == "Tt"
		})
		before := cpuNanos(pids...)
		time.Sleep(100 * time.Millisecond)
		jc.frozen = cpuNanos(pids...) == before
		return s
	}
	running := func() bool {
		eventually(t, 20*time.Second, "every thread running again", func() bool { return !strings.ContainsAny(states(pid, child), "tT") })
		before := cpuNanos(pid, child)
		time.Sleep(100 * time.Millisecond)
		return cpuNanos(pid, child) > before
	}

	syscall.Kill(pid, syscall.SIGSTOP)
	jc.stopped = wait("SIGSTOP", syscall.WUNTRACED)
	jc.stopStates = stoppedStates(pid)
	syscall.Kill(pid, syscall.SIGCONT)
	jc.continued = wait("SIGCONT", syscall.WCONTINUED)
	jc.resumed = running()

	syscall.Kill(-pid, syscall.SIGTSTP)
	jc.tstpStopped = wait("SIGTSTP to the group", syscall.WUNTRACED)
	jc.tstpStates = stoppedStates(pid, child)
	syscall.Kill(-pid, syscall.SIGCONT)
	jc.tstpContinued = wait("SIGCONT to the group", syscall.WCONTINUED)
	jc.resumed = jc.resumed && running()

	stdinW.Close()
	jc.exited = wait("exit", 0)
	reaped = true
	jc.output = output()
	return jc
}

// 3. The target is stopped and continued: SIGSTOP and SIGCONT, and
// SIGTSTP sent to its process group.
//
// What a tracer cannot hide: a group-stopped tracee is held in a ptrace
// stop (PTRACE_LISTEN, so that SIGCONT still works), and /proc shows it
// as "t (tracing stop)" where an untraced one shows "T (stopped)". strace
// -p shows the same "t". Everything a program or its parent can observe
// is the same as untraced: the wait statuses (WUNTRACED with the stop
// signal, WCONTINUED), no CPU while stopped, running again after SIGCONT.
func TestFaultStopAndContinueAsUntraced(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		testprog.RequireTracing(t)
		strace := testprog.RequireTool(t, "strace", "strace")
		untraced := runJobControl(t, nil)
		traced := runJobControl(t, func(pid, child int) func() {
			e := startExporter(t, "--pid", strconv.Itoa(pid)+","+strconv.Itoa(child))
			if got := scrape(t, e.Addr).get("syscall_exporter_tracees"); got != 6 {
				t.Errorf("tracees = %v, want 6 (5 threads and the child)", got)
			}
			return func() { noErrorsLogged(t, e) }
		})
		underStrace := runJobControl(t, func(pid, child int) func() {
			cmd := exec.Command(strace, "-f", "-o", "/dev/null", "-p", strconv.Itoa(pid), "-p", strconv.Itoa(child))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "strace attached to every thread", func() bool {
				for _, p := range []int{pid, child} {
					_, tracers := testprog.ProcStatus(p)
					for _, tr := range tracers {
						if tr != cmd.Process.Pid {
							return false
						}
					}
				}
				return true
			})
			return func() { cmd.Process.Kill(); cmd.Wait() }
		})

		if untraced.stopStates != "T" || untraced.tstpStates != "T" || !untraced.frozen || !untraced.resumed {
			t.Fatalf("untraced run is not the reference expected: %+v", untraced)
		}
		for _, run := range []struct {
			name string
			jc   jobControl
		}{{"syscall_exporter", traced}, {"strace -p", underStrace}} {
			got, want := run.jc, untraced
			for _, c := range []struct {
				what      string
				got, want syscall.WaitStatus
			}{
				{"SIGSTOP", got.stopped, want.stopped},
				{"SIGCONT", got.continued, want.continued},
				{"SIGTSTP", got.tstpStopped, want.tstpStopped},
				{"SIGCONT to the group", got.tstpContinued, want.tstpContinued},
				{"exit", got.exited, want.exited},
			} {
				if c.got != c.want {
					t.Errorf("%s: parent saw %#x after %s, untraced %#x", run.name, uint32(c.got), c.what, uint32(c.want))
				}
			}
			if !got.frozen || !got.resumed || got.output != want.output {
				t.Errorf("%s: frozen %v, resumed %v, output %q; untraced output %q", run.name, got.frozen, got.resumed, got.output, want.output)
			}
		}
		// The one difference under ptrace, the same under strace; the eBPF
		// backend leaves none.
		if backendOf(t) == "ebpf" {
			if traced.stopStates != untraced.stopStates || traced.tstpStates != untraced.tstpStates {
				t.Errorf("stopped threads show %q/%q, untraced %q/%q", traced.stopStates, traced.tstpStates, untraced.stopStates, untraced.tstpStates)
			}
		} else if traced.stopStates != underStrace.stopStates || traced.tstpStates != underStrace.tstpStates {
			t.Errorf("stopped threads show %q/%q, under strace %q/%q", traced.stopStates, traced.tstpStates, underStrace.stopStates, underStrace.tstpStates)
		}
		t.Logf("figure: stopped states untraced %q, traced %q, under strace %q", untraced.stopStates, traced.stopStates, underStrace.stopStates)
	})
}

// signalStorm sends n SIGUSR1 one at a time, each answered by the
// handler's 'u' before the next, then n more at once; it returns what the
// program counted and the count it read back.
func signalStorm(t *testing.T, n int, traced bool) (counted string, synced int, status syscall.WaitStatus) {
	t.Helper()
	testprog.RequireTracing(t)
	cmd := exec.Command(testprog.Build(t, "signals"))
	stdin, _ := cmd.StdinPipe()
	stdoutPipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	stdout := stdoutPipe.(*os.File)
	r := bufio.NewReader(stdout)
	stdout.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("signals: %q %v", line, err)
	}
	if traced {
		e := startExporter(t, "--pid", strconv.Itoa(cmd.Process.Pid))
		defer func() {
			if got := scrape(t, e.Addr).get("syscall_exporter_tracees"); got != 0 {
				t.Errorf("tracees = %v after the target exited, want 0", got)
			}
			noErrorsLogged(t, e)
		}()
	}
	for i := 0; i < n; i++ {
		syscall.Kill(cmd.Process.Pid, syscall.SIGUSR1)
		stdout.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := r.ReadByte()
		if err != nil || b != 'u' {
			t.Fatalf("signal %d: handler output %q, %v (lost?)", i+1, b, err)
		}
		synced++
	}
	for i := 0; i < n; i++ {
		syscall.Kill(cmd.Process.Pid, syscall.SIGUSR1) // pending ones merge
	}
	stdin.Close()
	stdout.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, _ := io.ReadAll(r)
	handled, counted, _ := strings.Cut(string(rest), "\ncount=")
	cmd.Wait()
	return strings.TrimSpace(counted), synced + strings.Count(handled, "u"), cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// 4. A signal storm, and signals that kill.
func TestFaultSignalStormAsUntraced(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		const n = 10000
		wantCount, wantRead, wantStatus := signalStorm(t, n, false)
		gotCount, gotRead, gotStatus := signalStorm(t, n, true)
		if wantCount != strconv.Itoa(wantRead) || gotCount != strconv.Itoa(gotRead) {
			t.Errorf("handler counts disagree with their output: untraced %s vs %d, traced %s vs %d", wantCount, wantRead, gotCount, gotRead)
		}
		// The first n were each delivered before the next was sent, so both
		// runs handled exactly n of them; of the n sent at once, pending ones
		// merge, as standard signals do, and how many depends on timing.
		for _, c := range []struct {
			name  string
			count int
		}{{"untraced", wantRead}, {"traced", gotRead}} {
			if c.count < n+1 || c.count > 2*n {
				t.Errorf("%s: handler ran %d times for %d one at a time and %d at once", c.name, c.count, n, n)
			}
		}
		if gotStatus != wantStatus || !gotStatus.Exited() || gotStatus.ExitStatus() != 0 {
			t.Errorf("exit status traced %v, untraced %v", gotStatus, wantStatus)
		}
		t.Logf("figure: %d signals handled one by one in both runs; of %d at once, %d untraced and %d traced", n, n, wantRead-n, gotRead-n)
	})
}

func TestFaultKillingSignalsAsUntraced(t *testing.T) {
	testprog.RequireTracing(t)
	die := func(mode string, traced bool) syscall.WaitStatus {
		cmd := exec.Command(testprog.Build(t, "crash"), mode)
		cmd.Dir = t.TempDir() // for the core file
		stdin, _ := cmd.StdinPipe()
		out := &syncBuffer{}
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		// Allow a core dump, so the core-dump bit is part of the status.
		unlimited := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_CORE, &unlimited, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, "crash ready", func() bool { return strings.Contains(out.String(), "ready") })
		if traced {
			e := startExporter(t, "--pid", strconv.Itoa(cmd.Process.Pid))
			defer noErrorsLogged(t, e)
		}
		stdin.Write([]byte{'x'})
		cmd.Wait()
		return cmd.ProcessState.Sys().(syscall.WaitStatus)
	}
	for _, tc := range []struct {
		mode string
		sig  syscall.Signal
	}{{"segv", syscall.SIGSEGV}, {"abort", syscall.SIGABRT}} {
		want, got := die(tc.mode, false), die(tc.mode, true)
		if !want.Signaled() || want.Signal() != tc.sig {
			t.Fatalf("%s untraced: status %v", tc.mode, want)
		}
		if got != want {
			t.Errorf("%s: wait status %#x traced, %#x untraced", tc.mode, uint32(got), uint32(want))
		}
		t.Logf("figure: %s: wait status %#x traced and untraced (core dumped: %v)", tc.mode, uint32(got), got.CoreDump())
	}
}

// 5. Thread churn: 10 000 short-lived threads, created and joined 50 at a
// time.
func TestFaultThreadChurn(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		const total, batch, getppids, checkpoint = 10000, 50, 2, 1000
		bin := plainExporter(t) // RSS as released: the race detector's shadow memory multiplies it
		// GOGC set turns the heap ballast off: it lets up to its size of
		// garbage build up between cycles, which would swamp a per-thread
		// leak in the RSS figure depending on where a cycle falls.
		t.Setenv("GOGC", "100")
		p := startProg(t, "churn", "-w", "-n", strconv.Itoa(total), "-b", strconv.Itoa(batch), "-g", strconv.Itoa(getppids), "-p", strconv.Itoa(checkpoint), "-l")
		p.waitOutput(t, "ready", 5*time.Second)
		e := startExporterBin(t, bin, "--pid", strconv.Itoa(p.pid()))
		baseline := func(when string) {
			t.Helper()
			eventually(t, 10*time.Second, "tracees back to 1 "+when, func() bool {
				return scrape(t, e.Addr).get("syscall_exporter_tracees") == 1
			})
		}
		p.waitOutput(t, "joined "+strconv.Itoa(checkpoint)+"\n", 60*time.Second)
		baseline("after the first 1000")
		first := rssKiB(t, e.cmd.Process.Pid)
		start := time.Now()
		p.stdin.Write([]byte("\n"))
		p.waitOutput(t, "joined "+strconv.Itoa(total)+"\n", 120*time.Second)
		took := time.Since(start)
		baseline("after all")
		last := rssKiB(t, e.cmd.Process.Pid)

		m := scrape(t, e.Addr)
		exact := []struct {
			what string
			got  float64
			want int
		}{
			{"getppid", m.get("syscall_calls_total", "thread", "churner", "syscall", "getppid"), total * getppids},
			{"exit", m.get("syscall_calls_total", "thread", "churner", "syscall", "exit"), total},
			{"prctl", m.get("syscall_calls_total", "process", "churn", "syscall", "prctl"), total},
			{"clone and clone3", m.get("syscall_calls_total", "thread", "churn", "syscall", "clone") + m.get("syscall_calls_total", "thread", "churn", "syscall", "clone3"), total},
		}
		for _, c := range exact {
			if c.got != float64(c.want) {
				t.Errorf("%s: %v calls, want %d", c.what, c.got, c.want)
			}
		}
		t.Logf("figure: exporter RSS %d KiB after %d threads, %d KiB after %d (%.2f×); the last %d took %v",
			first, checkpoint, last, total, float64(last)/float64(first), total-checkpoint, took.Round(time.Millisecond))
		if last >= 2*first {
			t.Errorf("exporter RSS grew from %d KiB to %d KiB: more than 2×", first, last)
		}
		noErrorsLogged(t, e)
		p.stdin.Close()
		if st := p.wait(t, 10*time.Second); !st.Exited() || st.ExitStatus() != 0 {
			t.Errorf("target status %v", st)
		}
	})
}

// 6. A fork storm of 1000 children, every tenth made with vfork and exec.
func TestFaultForkStorm(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		const children, every, getppids = 1000, 10, 3
		p := startProg(t, "forkstorm", "-w", "-n", strconv.Itoa(children), "-b", "20", "-v", strconv.Itoa(every), "-g", strconv.Itoa(getppids), "-l")
		p.waitOutput(t, "ready", 5*time.Second)
		e := startExporter(t, "--pid", strconv.Itoa(p.pid()))
		p.waitOutput(t, fmt.Sprintf("children=%d failed=0\n", children), 120*time.Second)
		eventually(t, 10*time.Second, "every child gone from the tracer", func() bool {
			m := scrape(t, e.Addr)
			return m.get("syscall_exporter_tracees") == 1 && m.get("syscall_exporter_targets", "state", "attached") == 1
		})
		m := scrape(t, e.Addr)
		forks := 0.0
		for _, name := range []string{"fork", "vfork", "clone", "clone3"} {
			forks += m.get("syscall_calls_total", "process", "forkstorm", "thread", "forkstorm", "syscall", name)
		}
		for _, c := range []struct {
			what string
			got  float64
			want int
		}{
			{"children's getppid", m.get("syscall_calls_total", "syscall", "getppid"), children * getppids},
			{"children's exit_group", m.get("syscall_calls_total", "syscall", "exit_group"), children},
			{"execve of the vfork children", m.get("syscall_calls_total", "syscall", "execve"), children / every},
		} {
			if c.got != float64(c.want) {
				t.Errorf("%s: %v calls, want %d", c.what, c.got, c.want)
			}
		}
		// A fork that a SIGCHLD interrupts is restarted by the kernel and
		// counts again, as in the kernel's own count: at least one per child.
		if forks < children {
			t.Errorf("forks and vforks: %v calls for %d children", forks, children)
		}
		if traced := tracedBy(e.cmd.Process.Pid); backendOf(t) == "ptrace" && (len(traced) != 1 || traced[0] != p.pid()) {
			t.Errorf("traced after the storm: %v, want only the parent %d", traced, p.pid())
		}
		e.cmd.Process.Signal(syscall.SIGTERM)
		e.wait(t, 10*time.Second)
		noErrorsLogged(t, e)
		harmless(t, p.pid())
		p.stdin.Close()
		if st := p.wait(t, 10*time.Second); !st.Exited() || st.ExitStatus() != 0 {
			t.Errorf("target status %v", st)
		}
	})
}

// 7. Exec from a thread other than the leader.
func TestFaultExecFromNonLeaderThread(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		const worker, execer, after = 100, 200, 300
		p := startProg(t, "execthread", "-w", "-g", strconv.Itoa(worker), "-e", strconv.Itoa(execer), "-a", strconv.Itoa(after))
		p.waitOutput(t, "ready", 5*time.Second)
		e := startExporter(t, "--pid", strconv.Itoa(p.pid()))
		p.waitOutput(t, "after\n", 20*time.Second)
		// The leader and the worker vanished in the exec; only the thread that
		// called it is left, now under the leader's TID.
		eventually(t, 5*time.Second, "one tracee left", func() bool {
			m := scrape(t, e.Addr)
			return m.get("syscall_exporter_tracees") == 1 && m.get("syscall_exporter_targets", "state", "attached") == 1
		})
		m := scrape(t, e.Addr)
		for _, c := range []struct {
			labels []string
			want   float64
		}{
			{[]string{"process", "execthread", "thread", "worker", "syscall", "getppid"}, worker},
			{[]string{"process", "execthread", "thread", "execer", "syscall", "getppid"}, execer},
			{[]string{"process", "after", "thread", "after", "syscall", "getppid"}, after},
			// entered, never returned: the exec ended the worker's pause.
			{[]string{"process", "execthread", "thread", "worker", "syscall", "pause"}, 1},
			{[]string{"syscall", "execve"}, 1},
		} {
			if got := m.get("syscall_calls_total", c.labels...); got != c.want {
				t.Errorf("%v: %v calls, want %v\n%s", c.labels, got, c.want, m.dump("syscall_calls_total"))
			}
		}
		if traced := tracedBy(e.cmd.Process.Pid); backendOf(t) == "ptrace" && (len(traced) != 1 || traced[0] != p.pid()) {
			t.Errorf("traced after the exec: %v, want only %d", traced, p.pid())
		}
		noErrorsLogged(t, e)
		p.stdin.Close()
		if st := p.wait(t, 10*time.Second); !st.Exited() || st.ExitStatus() != 0 {
			t.Errorf("target status %v", st)
		}
	})
}

// 8. Attach refused: another tracer holds the target, or the exporter may
// not trace it.
func TestFaultAttachRefused(t *testing.T) {
	testprog.RequireTracing(t)
	strace := testprog.RequireTool(t, "strace", "strace")
	held := startProg(t, "signals")
	held.waitOutput(t, "ready", 5*time.Second)
	holder := exec.Command(strace, "-o", "/dev/null", "-p", strconv.Itoa(held.pid()))
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	eventually(t, 5*time.Second, "strace attached", func() bool {
		_, tracers := testprog.ProcStatus(held.pid())
		return tracers[held.pid()] == holder.Process.Pid
	})
	const getppids = 700
	w := startWorkload(t, "-w", "-l", "-g", strconv.Itoa(getppids), "-f", "-1")
	e := startExporter(t, "--pid", strconv.Itoa(held.pid())+","+strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 20*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

	m := scrape(t, e.Addr)
	if got := m.get("syscall_exporter_attach_errors_total", "reason", "already_traced"); got != 1 {
		t.Errorf("attach_errors_total{reason=already_traced} = %v, want 1", got)
	}
	want := fmt.Sprintf("cannot trace PID %d: already traced by PID %d (strace)", held.pid(), holder.Process.Pid)
	if !strings.Contains(e.stderr.String(), want) {
		t.Errorf("no line %q in:\n%s", want, e.stderr)
	}
	for i := 0; i < 4; i++ {
		if got := m.get("syscall_calls_total", "thread", "getter-"+strconv.Itoa(i), "syscall", "getppid"); got != getppids {
			t.Errorf("the other target: getter-%d getppid = %v, want %d", i, got, getppids)
		}
	}
	// It does not spin: with the one target idle, it idles too.
	before := cpuNanos(e.cmd.Process.Pid)
	time.Sleep(2 * time.Second)
	used := time.Duration(cpuNanos(e.cmd.Process.Pid) - before)
	t.Logf("figure: exporter used %v of CPU in 2 s with one target refused and one idle", used.Round(time.Millisecond))
	if used > 100*time.Millisecond {
		t.Errorf("the exporter used %v of CPU in 2 s while idle: it spins", used)
	}
	_, tracers := testprog.ProcStatus(held.pid())
	if tracers[held.pid()] != holder.Process.Pid {
		t.Errorf("the refused target's tracer is now %d, want strace (%d)", tracers[held.pid()], holder.Process.Pid)
	}

	// Without permission: an exporter running as nobody, asked for a
	// process of root and one of its own.
	rootOwned := startProg(t, "signals")
	rootOwned.waitOutput(t, "ready", 5*time.Second)
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "syscall_exporter")
	copyFile(t, exporterBin, bin)
	app := filepath.Join(dir, "workload")
	copyFile(t, testprog.Build(t, "workload"), app)
	nobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	own := exec.Command(app, "-w", "-l", "-g", "50", "-f", "-1")
	own.SysProcAttr = nobody
	ownOut := &syncBuffer{}
	own.Stdout = ownOut
	ownIn, _ := own.StdinPipe()
	if err := own.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { own.Process.Kill(); own.Wait() })
	eventually(t, 5*time.Second, "nobody's workload ready", func() bool { return strings.Contains(ownOut.String(), "ready") })
	unprivileged := exec.Command(bin, "--web.listen-address=127.0.0.1:0", "--pid", strconv.Itoa(rootOwned.pid())+","+strconv.Itoa(own.Process.Pid))
	unprivileged.SysProcAttr = nobody
	log := &syncBuffer{}
	unprivileged.Stderr = log
	if err := unprivileged.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unprivileged.Process.Kill(); unprivileged.Wait() })
	eventually(t, 20*time.Second, "nobody's exporter serving", func() bool { return listeningRe.MatchString(log.String()) })
	addr := listeningRe.FindStringSubmatch(log.String())[1]
	eventually(t, 20*time.Second, "nobody's workload done", func() bool { return strings.Contains(ownOut.String(), "done") })
	m = scrape(t, addr)
	if got := m.get("syscall_exporter_attach_errors_total", "reason", "permission_denied"); got != 1 {
		t.Errorf("attach_errors_total{reason=permission_denied} = %v, want 1\n%s", got, log)
	}
	if !strings.Contains(log.String(), fmt.Sprintf("cannot trace PID %d: permission denied", rootOwned.pid())) {
		t.Errorf("no clear line about the refused PID:\n%s", log)
	}
	if got := m.get("syscall_calls_total", "thread", "getter-0", "syscall", "getppid"); got != 50 {
		t.Errorf("nobody's own workload: getter-0 getppid = %v, want 50", got)
	}
	ownIn.Close()
}

// 9. A target that exits while the exporter is detaching.
func TestFaultTargetExitsWhileDetaching(t *testing.T) {
	testprog.RequireTracing(t)
	rounds := []struct {
		name  string
		start func(t *testing.T) *prog
		exit  func(p *prog)
		delay time.Duration
	}{
		{"threads churning, SIGKILL first", churning, exitByKill, 0},
		{"threads churning, SIGKILL 2ms later", churning, exitByKill, 2 * time.Millisecond},
		{"children forking, SIGKILL 1ms later", forking, exitByKill, time.Millisecond},
		{"200 busy threads, exit at EOF", busy200, exitAtEOF, 0},
		{"200 busy threads, exit at EOF 5ms later", busy200, exitAtEOF, 5 * time.Millisecond},
	}
	for _, r := range rounds {
		t.Run(r.name, func(t *testing.T) {
			p := r.start(t)
			e := startExporter(t, "--pid", strconv.Itoa(p.pid()))
			eventually(t, 20*time.Second, "tracing under way", func() bool {
				return scrape(t, e.Addr).get("syscall_exporter_stops_total") > 2000
			})
			start := time.Now()
			if r.delay == 0 {
				r.exit(p)
				e.cmd.Process.Signal(syscall.SIGTERM)
			} else {
				e.cmd.Process.Signal(syscall.SIGTERM)
				time.Sleep(r.delay)
				r.exit(p)
			}
			ws := e.wait(t, 10*time.Second)
			took := time.Since(start)
			t.Logf("figure: exporter exited %v after SIGTERM, status %v", took.Round(time.Millisecond), ws)
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Errorf("exporter status %v, want exit 0", ws)
			}
			if took > 3*time.Second {
				t.Errorf("the exporter took %v to exit: it waited for a thread that was gone", took)
			}
			noErrorsLogged(t, e)
			p.wait(t, 10*time.Second)
			// Children that outlived the target run on, untraced.
			procs, _ := os.ReadDir("/proc")
			for _, d := range procs {
				if pid, err := strconv.Atoi(d.Name()); err == nil && parentOf(pid) == 1 && strings.HasSuffix(commOf(pid), "forkstorm") {
					harmless(t, pid)
				}
			}
		})
	}
}

func commOf(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

func churning(t *testing.T) *prog {
	p := startProg(t, "churn", "-n", "100000000", "-b", "20", "-g", "5")
	p.waitOutput(t, "ready", 5*time.Second)
	return p
}

func forking(t *testing.T) *prog {
	p := startProg(t, "forkstorm", "-n", "100000000", "-b", "10", "-v", "4", "-g", "5")
	p.waitOutput(t, "ready", 5*time.Second)
	return p
}

func busy200(t *testing.T) *prog {
	p := startProg(t, "busy", "-t", "200")
	p.waitOutput(t, "ready", 10*time.Second)
	return p
}

func exitByKill(p *prog) { p.cmd.Process.Kill() }
func exitAtEOF(p *prog)  { p.stdin.Close() }

// 10. Scrape load: 200 concurrent /metrics clients for 10 s while tracing.
//
// Measured on the release build (CGO_ENABLED=0, no race detector) with
// the target and the tracer thread on CPU 0 and everything else — the
// exporter's other threads and wrk — on CPU 1. Unpinned, the stop rate
// of a lone tracee on a 2-CPU VM swings 3× with where the scheduler
// happens to put tracer and tracee, which would drown a 10% effect;
// pinned, what is left is what the exporter itself does to its tracer.
// Two things did: the tracer goroutine, stopped by the runtime (each GC
// cycle stops it), waits for a P behind every runnable goroutine, so
// scrapes must not run many at once (--web.max-requests queues them); and
// scrapes allocate, so GC cycles came often (the heap goal floor).
func TestFaultScrapeLoad(t *testing.T) {
	testprog.RequireTracing(t)
	wrk := testprog.RequireTool(t, "wrk", "wrk")
	taskset := testprog.RequireTool(t, "taskset", "util-linux")
	if runtime.NumCPU() < 2 {
		t.Skip("needs 2 CPUs: the target and tracer on one, the scrapes on another")
	}
	bin := plainExporter(t)
	cmd := exec.Command(taskset, "-c", "0", testprog.Build(t, "busy"), "-t", "1")
	stdin, _ := cmd.StdinPipe()
	out := &syncBuffer{}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	eventually(t, 5*time.Second, "busy ready", func() bool { return strings.Contains(out.String(), "ready") })
	// Go sizes GOMAXPROCS from the CPUs a thread may use, and follows
	// changes; pinned to one CPU it would drop to 1 P. Fix it at the 2 it
	// has unpinned.
	t.Setenv("GOMAXPROCS", strconv.Itoa(runtime.NumCPU()))
	e := startExporterBin(t, bin, "--pid", strconv.Itoa(cmd.Process.Pid))
	_, tracers := testprog.ProcStatus(cmd.Process.Pid)
	pinThreads(t, e.cmd.Process.Pid, tracers[cmd.Process.Pid])

	stops := func() (float64, time.Time) {
		return scrape(t, e.Addr).get("syscall_exporter_stops_total"), time.Now()
	}
	rate := func(d time.Duration) float64 {
		s0, t0 := stops()
		time.Sleep(d)
		s1, t1 := stops()
		return (s1 - s0) / t1.Sub(t0).Seconds()
	}
	// Other processes on the machine move the rate too, and only ever down:
	// what the exporter does to its tracer shows in every measurement, what
	// they do in some. So a measurement is taken up to three times, and the
	// best one counts. One during which other processes used more than 5%
	// of a CPU, or whose unloaded rates before and after differ by more
	// than a fifth, does not count at all.
	ours := func() []int {
		pids := []int{os.Getpid(), e.cmd.Process.Pid, cmd.Process.Pid}
		for pid := range threadsOf(e.cmd.Process.Pid) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", e.cmd.Process.Pid, pid))
			for _, f := range strings.Fields(string(b)) {
				child, _ := strconv.Atoi(f)
				pids = append(pids, child) // the doorbell
			}
		}
		return pids
	}
	for attempt := 1; ; attempt++ {
		cpu0, start := foreignCPU(ours()), time.Now()
		before := rate(4 * time.Second)
		s0, t0 := stops()
		load := exec.Command(taskset, "-c", "1", wrk, "-t", "2", "-c", "200", "-d", "10s", "--timeout", "15s", "http://"+e.Addr+"/metrics")
		report, err := load.CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, report)
		}
		s1, t1 := stops()
		during := (s1 - s0) / t1.Sub(t0).Seconds()
		after := rate(4 * time.Second)
		baseline := (before + after) / 2
		wrkUsage := load.ProcessState.SysUsage().(*syscall.Rusage)
		wrkCPU := time.Duration(wrkUsage.Utime.Nano() + wrkUsage.Stime.Nano())
		foreign := foreignCPU(ours()) - cpu0 - wrkCPU
		elapsed := time.Since(start)

		text := string(report)
		requests := wrkRequests(t, text)
		t.Logf("figure: stops/s %.0f before, %.0f during 10 s of 200 scrapers, %.0f after: %.1f%% of the rate without load; %d scrapes served; other processes used %v of CPU in %v\n%s",
			before, during, after, 100*during/baseline, requests, foreign.Round(time.Millisecond), elapsed.Round(time.Millisecond), text)
		if strings.Contains(text, "Non-2xx") || strings.Contains(text, "Socket errors") || requests == 0 {
			t.Errorf("not every scrape succeeded:\n%s", text)
		}
		disturbed := min(before, after) < 0.8*max(before, after) || foreign > elapsed/20
		switch {
		case !disturbed && during >= 0.9*baseline:
		case attempt < 3:
			t.Logf("measuring again (disturbed: %v)", disturbed)
			continue
		case disturbed:
			t.Fatalf("no measurement of %d met the bound, and other processes disturbed the last: the machine is too busy to tell", attempt)
		default:
			t.Errorf("stop rate under scrape load %.0f/s is %.1f%% of %.0f/s without: reduced by more than 10%%", during, 100*during/baseline, baseline)
		}
		break
	}
	noErrorsLogged(t, e)
}

// foreignCPU is the CPU time (user and system) the machine has spent so
// far, less what processes pids have: the rest is other processes'.
func foreignCPU(pids []int) time.Duration {
	b, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle …
	var ticks int64
	for _, v := range f[1:4] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 12 {
				utime, _ := strconv.ParseInt(f[11], 10, 64)
				stime, _ := strconv.ParseInt(f[12], 10, 64)
				ticks -= utime + stime
			}
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// pinThreads puts the tracer thread (the TracerPid of its tracees) on CPU
// 0 and every other thread of pid on CPU 1; threads the runtime starts
// later inherit CPU 1.
func pinThreads(t *testing.T, pid, tracer int) {
	t.Helper()
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		var set unix.CPUSet
		if tid == tracer {
			set.Set(0)
		} else {
			set.Set(1)
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil {
			t.Fatalf("pin thread %d: %v", tid, err)
		}
	}
}

var (
	plainOnce sync.Once
	plainBin  string
	plainErr  error
)

// plainExporter builds the exporter as released: CGO_ENABLED=0, no race
// detector. Performance figures and capability dropping need it.
func plainExporter(t *testing.T) string {
	t.Helper()
	plainOnce.Do(func() {
		start := time.Now()
		plainBin = filepath.Join(filepath.Dir(exporterBin), "syscall_exporter-release")
		build := exec.Command("go", "build", "-o", plainBin, "../cmd/syscall_exporter")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			plainErr = fmt.Errorf("%v\n%s", err, out)
		}
		t.Logf("built the release exporter in %v", time.Since(start).Round(time.Millisecond))
	})
	if plainErr != nil {
		t.Fatalf("building the release exporter: %v", plainErr)
	}
	return plainBin
}

// startExporterBin is startExporter with another build of the exporter.
// startExporter reads exporterBin once, before it returns, and the tests
// of this package do not run in parallel.
func startExporterBin(t *testing.T, bin string, args ...string) *exporter {
	t.Helper()
	saved := exporterBin
	exporterBin = bin
	defer func() { exporterBin = saved }()
	return startExporter(t, args...)
}

// wrkRequests reads "N requests in 10.0s" from wrk's report.
func wrkRequests(t *testing.T, report string) int {
	t.Helper()
	for _, line := range strings.Split(report, "\n") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "%d requests in", &n); err == nil {
			return n
		}
	}
	t.Errorf("no request count in wrk's report")
	return 0
}
