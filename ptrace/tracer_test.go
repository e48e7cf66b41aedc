package ptrace_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// recorder is a Consumer that keeps what it is told, keyed by the
// "process/thread" names the tracer gives. It checks each name against
// /proc while the tracee is stopped: misnamed lists those that differ.
type recorder struct {
	mu        sync.Mutex
	slots     []string
	calls     map[string]int
	exits     map[string]int // SyscallExited calls, restarted ones too
	errs      map[string]int
	durations map[string][]int64
	live      int
	renamed   int // ThreadRenamed calls
	misnamed  []string
}

var _ backend.Consumer = (*recorder)(nil)

func newRecorder() *recorder {
	return &recorder{calls: map[string]int{}, exits: map[string]int{}, errs: map[string]int{}, durations: map[string][]int64{}}
}

// comm reads a comm file as a label value, or "" if it is gone.
func comm(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return backend.ValidName(strings.TrimSuffix(string(b), "\n"))
}

func (r *recorder) slot(t *backend.Thread) backend.Slot {
	pid := strconv.Itoa(int(t.PID))
	process, thread := comm("/proc/"+pid+"/comm"), comm("/proc/"+pid+"/task/"+strconv.Itoa(int(t.TID))+"/comm")
	r.mu.Lock()
	defer r.mu.Unlock()
	if process != "" && thread != "" && (t.Process != process || t.Name != thread) {
		r.misnamed = append(r.misnamed, fmt.Sprintf("tid %d pid %d named %s/%s, /proc says %s/%s", t.TID, t.PID, t.Process, t.Name, process, thread))
	}
	r.slots = append(r.slots, t.Process+"/"+t.Name)
	r.live++
	return backend.Slot(len(r.slots) - 1)
}

func (r *recorder) ThreadStarted(t *backend.Thread) backend.Slot { return r.slot(t) }
func (r *recorder) ThreadRenamed(t *backend.Thread, _ backend.Slot) backend.Slot {
	r.mu.Lock()
	r.live--
	r.renamed++
	r.mu.Unlock()
	return r.slot(t)
}
func (r *recorder) ThreadExited(*backend.Thread, backend.Slot) {
	r.mu.Lock()
	r.live--
	r.mu.Unlock()
}

func (r *recorder) SyscallEntered(s *backend.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[r.slots[s.Slot]+" "+syscalls.Name(s.Arch, s.Nr)]++
}

func (r *recorder) SyscallExited(s *backend.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := r.slots[s.Slot] + " " + syscalls.Name(s.Arch, s.Nr)
	r.exits[key]++
	if s.Errno != 0 && !syscalls.IsRestart(s.Errno) {
		r.errs[key+" "+syscalls.ErrnoName(s.Errno)]++
	}
	if s.Exit != 0 {
		r.durations[key] = append(r.durations[key], s.Duration())
	}
}

func (r *recorder) Add(backend.Slot, syscalls.Arch, uint32, *backend.Delta) {
	panic("ptrace hands over calls, not deltas")
}
func (r *recorder) SpanCandidate(*backend.Call) {
	panic("ptrace hands over calls, not span candidates")
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[key]
}

// buildProg builds a test program, or skips the test where it cannot trace.
func buildProg(t *testing.T, name string) string {
	testprog.RequireTracing(t)
	return testprog.Build(t, name)
}

func startTracer(t *testing.T) (*ptrace.Tracer, *recorder) {
	t.Helper()
	testprog.RequireTracing(t)
	rec := newRecorder()
	tr := ptrace.New(ptrace.Config{Consumer: rec})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.DetachAll()
		<-tr.Done()
	})
	return tr, rec
}

func waitDone(t *testing.T, tr *ptrace.Tracer) {
	t.Helper()
	select {
	case <-tr.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("tracer did not finish")
	}
}

// launchToSuccess launches path traced, waits for the tracer to finish,
// and fails the test unless the command exited 0.
func launchToSuccess(t *testing.T, tr *ptrace.Tracer, path string, argv []string) {
	t.Helper()
	if err := tr.Launch(path, argv, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("%s: status %v, want exit 0", path, ws)
	}
}

// The workload's counted calls, exactly, per thread name.
func checkWorkload(t *testing.T, rec *recorder, proc string, threads, getppids, enoents, sleeps, sleepMs, forkGetppids int) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i := 0; i < threads; i++ {
		key := proc + "/getter-" + strconv.Itoa(i) + " getppid"
		if got := rec.calls[key]; got != getppids {
			t.Errorf("%s: %d calls, want %d", key, got, getppids)
		}
	}
	if got := rec.calls[proc+"/opener openat"]; got != enoents {
		t.Errorf("opener openat: %d calls, want %d", got, enoents)
	}
	if got := rec.errs[proc+"/opener openat ENOENT"]; got != enoents {
		t.Errorf("opener openat ENOENT: %d, want %d", got, enoents)
	}
	key := proc + "/sleeper nanosleep"
	if got := rec.calls[key]; got != sleeps {
		t.Errorf("%s: %d calls, want %d", key, got, sleeps)
	}
	for _, d := range rec.durations[key] {
		if d < int64(sleepMs)*1e6 {
			t.Errorf("nanosleep of %d ms measured %v", sleepMs, time.Duration(d))
		}
	}
	if got := rec.calls["forked/forked getppid"]; got != forkGetppids {
		t.Errorf("forked child getppid: %d calls, want %d (%v)", got, forkGetppids, rec.calls)
	}
	if got := rec.calls["true/true exit_group"]; got != 1 {
		t.Errorf("the exec'd child's exit_group: %d calls, want 1", got)
	}
}

func TestLaunchCountsExactly(t *testing.T) {
	prog := buildProg(t, "workload")
	tr, rec := startTracer(t)
	launchToSuccess(t, tr, prog, []string{prog, "-g", "1000", "-e", "7", "-s", "3", "-m", "5", "-f", "50"})
	checkWorkload(t, rec, "workload", 4, 1000, 7, 3, 5, 50)
	if got := rec.count("workload/workload execve"); got != 1 {
		t.Errorf("execve of the launched command: %d, want 1 (the helper's own calls must not count)", got)
	}
	if got := tr.Stats().Tracees.Load(); got != 0 {
		t.Errorf("%d tracees left", got)
	}
}

func TestLaunchExitStatus(t *testing.T) {
	for _, tc := range []struct {
		script string
		check  func(syscall.WaitStatus) bool
	}{
		{"exit 3", func(ws syscall.WaitStatus) bool { return ws.Exited() && ws.ExitStatus() == 3 }},
		{"kill -TERM $$", func(ws syscall.WaitStatus) bool { return ws.Signaled() && ws.Signal() == syscall.SIGTERM }},
	} {
		t.Run(tc.script, func(t *testing.T) {
			tr, _ := startTracer(t)
			if err := tr.Launch("/bin/sh", []string{"sh", "-c", tc.script}, os.Environ()); err != nil {
				t.Fatal(err)
			}
			waitDone(t, tr)
			if ws := syscall.WaitStatus(tr.LaunchStatus()); !tc.check(ws) {
				t.Fatalf("status %#x", uint32(ws))
			}
		})
	}
}

// A command that is found but cannot be executed ends the launch like a
// shell would: status 126, with and without a seccomp filter, nothing
// left stopped.
func TestLaunchNotExecutable(t *testing.T) {
	testprog.RequireTracing(t)
	bad := filepath.Join(t.TempDir(), "not-a-program")
	if err := os.WriteFile(bad, []byte("\x7fELF and nothing else"), 0o755); err != nil {
		t.Fatal(err)
	}
	withAndWithoutFilter(t, func(filtered bool, tr *ptrace.Tracer) {
		if err := tr.Launch(bad, []string{bad}, os.Environ()); err != nil {
			t.Fatal(err)
		}
		waitDone(t, tr)
		if ws := syscall.WaitStatus(tr.LaunchStatus()); !ws.Exited() || ws.ExitStatus() != 126 {
			t.Errorf("filter %v: status %v, want exit 126", filtered, ws)
		}
	})
}

// withAndWithoutFilter runs check with a started tracer, first without a
// seccomp filter, then with one that selects openat.
func withAndWithoutFilter(t *testing.T, check func(filtered bool, tr *ptrace.Tracer)) {
	t.Helper()
	filter, err := syscalls.Parse("openat")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*syscalls.Filter{nil, &filter} {
		tr := ptrace.New(ptrace.Config{Consumer: newRecorder(), Filter: f})
		if err := tr.Start(); err != nil {
			t.Fatal(err)
		}
		check(f != nil, tr)
	}
}

// The launch child keeps every signal blocked until its execve (on amd64
// it shares our memory, where no Go handler may run); the command must
// still start with the signal state an untraced child of ours gets. dd
// copies its own status: a shell would clear its mask itself.
func TestLaunchedCommandStartsWithOurSignalMask(t *testing.T) {
	testprog.RequireTracing(t)
	dd, err := exec.LookPath("dd")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	argv := func(out string) []string {
		return []string{"dd", "if=/proc/self/status", "of=" + out, "status=none"}
	}
	signalState := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "SigBlk:") || strings.HasPrefix(l, "SigIgn:") {
				lines = append(lines, l)
			}
		}
		if len(lines) != 2 {
			t.Fatalf("%s: no SigBlk/SigIgn in %q", path, b)
		}
		return strings.Join(lines, ", ")
	}
	untraced := filepath.Join(dir, "untraced")
	if out, err := exec.Command(dd, argv(untraced)[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := signalState(untraced)
	withAndWithoutFilter(t, func(filtered bool, tr *ptrace.Tracer) {
		out := filepath.Join(dir, "filtered-"+strconv.FormatBool(filtered))
		if err := tr.Launch(dd, argv(out), os.Environ()); err != nil {
			t.Fatal(err)
		}
		waitDone(t, tr)
		if got := signalState(out); got != want {
			t.Errorf("filter %v: launched command has %s; untraced %s", filtered, got, want)
		}
	})
}

func TestAttachCountsExactlyAndDetachesCleanly(t *testing.T) {
	prog := buildProg(t, "workload")
	tr, rec := startTracer(t)
	d := testprog.StartDetached(t, prog, "-w", "-l", "-g", "2000", "-e", "5", "-s", "2", "-m", "5", "-f", "30")
	d.WaitOutput(t, "ready", 5*time.Second)
	if err := tr.Attach(d.PID); err != nil {
		t.Fatal(err)
	}
	d.WaitOutput(t, "done", 30*time.Second)
	checkWorkload(t, rec, "workload", 4, 2000, 5, 2, 5, 30)

	if err := tr.DetachAll(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	states, tracers := testprog.ProcStatus(d.PID)
	for tid, tracer := range tracers {
		if tracer != 0 {
			t.Errorf("thread %d still traced by %d", tid, tracer)
		}
		if states[tid] == "t" || states[tid] == "T" {
			t.Errorf("thread %d left stopped (%s)", tid, states[tid])
		}
	}
	d.CloseStdin()
	if st := d.Wait(t, 10*time.Second); st != 0 {
		t.Fatalf("target exited %d after detach, want 0", st)
	}
}

func TestAttachErrorsSayWhy(t *testing.T) {
	prog := buildProg(t, "signals")
	tr, _ := startTracer(t)
	var ae *backend.AttachError
	err := tr.Attach(1 << 30)
	if !errors.As(err, &ae) || ae.Reason != backend.ReasonNotFound {
		t.Fatalf("missing PID: %v", err)
	}
	if !strings.Contains(err.Error(), "PID 1073741824") {
		t.Errorf("message does not name the PID: %v", err)
	}
	if err := tr.Attach(os.Getpid()); !errors.As(err, &ae) || ae.Reason != backend.ReasonSelf {
		t.Fatalf("self: %v", err)
	}

	strace := testprog.RequireTool(t, "strace", "strace")
	d := testprog.StartDetached(t, prog)
	d.WaitOutput(t, "ready", 5*time.Second)
	holder := exec.Command(strace, "-o", "/dev/null", "-p", strconv.Itoa(d.PID))
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, tracers := testprog.ProcStatus(d.PID)
		if tracers[d.PID] != 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	err = tr.Attach(d.PID)
	if !errors.As(err, &ae) || ae.Reason != backend.ReasonAlreadyTraced {
		t.Fatalf("already traced: %v", err)
	}
	if !strings.Contains(err.Error(), "strace") {
		t.Errorf("message does not name the tracer: %v", err)
	}
	if got := tr.Stats().AttachErrors[backend.ReasonAlreadyTraced].Load(); got != 1 {
		t.Errorf("already_traced counted %d times, want 1", got)
	}
}

func TestSignalsAndJobControlAsUntraced(t *testing.T) {
	prog := buildProg(t, "signals")
	tr, _ := startTracer(t)
	d := testprog.StartDetached(t, prog)
	d.WaitOutput(t, "ready", 5*time.Second)
	if err := tr.Attach(d.PID); err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := 1; i <= n; i++ {
		syscall.Kill(d.PID, syscall.SIGUSR1)
		d.WaitOutput(t, strings.Repeat("u", i), 5*time.Second)
	}

	syscall.Kill(d.PID, syscall.SIGSTOP)
	waitState(t, d.PID, "t", "T")
	syscall.Kill(d.PID, syscall.SIGUSR1) // pending while stopped, as untraced
	time.Sleep(50 * time.Millisecond)
	if strings.Count(d.Stdout(), "u") != n {
		t.Fatal("the stopped target ran its handler")
	}
	syscall.Kill(d.PID, syscall.SIGCONT)
	d.WaitOutput(t, strings.Repeat("u", n+1), 5*time.Second)
	waitState(t, d.PID, "S", "R")

	d.CloseStdin()
	d.WaitOutput(t, "count="+strconv.Itoa(n+1)+"\n", 5*time.Second)
	if st := d.Wait(t, 5*time.Second); st != 0 {
		t.Fatalf("exit %d", st)
	}
}

func waitState(t *testing.T, pid int, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		states, _ := testprog.ProcStatus(pid)
		for _, w := range want {
			if states[pid] == w {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %q, want one of %v", states[pid], want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
