package ebpf_test

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/ebpf"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// recorder is a Consumer that keeps the deltas it is handed, keyed by
// the "process/thread" names the tracer gave.
type recorder struct {
	mu        sync.Mutex
	slots     []string
	calls     map[string]uint64
	errs      map[string]uint64
	latencies map[string]uint64 // returned calls
	sumNs     map[string]uint64
	buckets   map[string][]backend.BucketCount
	live      int
	spans     []string
}

var _ backend.Consumer = (*recorder)(nil)

func newRecorder() *recorder {
	return &recorder{calls: map[string]uint64{}, errs: map[string]uint64{}, latencies: map[string]uint64{}, sumNs: map[string]uint64{}, buckets: map[string][]backend.BucketCount{}}
}

func (r *recorder) ThreadStarted(t *backend.Thread) backend.Slot {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slots = append(r.slots, t.Process+"/"+t.Name)
	r.live++
	return backend.Slot(len(r.slots) - 1)
}

func (r *recorder) ThreadRenamed(t *backend.Thread, old backend.Slot) backend.Slot {
	r.ThreadExited(t, old)
	return r.ThreadStarted(t)
}

func (r *recorder) ThreadExited(*backend.Thread, backend.Slot) {
	r.mu.Lock()
	r.live--
	r.mu.Unlock()
}

func (r *recorder) SyscallEntered(*backend.Call) { panic("ebpf hands over deltas") }
func (r *recorder) SyscallExited(*backend.Call)  { panic("ebpf hands over deltas") }

func (r *recorder) Add(slot backend.Slot, arch syscalls.Arch, nr uint32, d *backend.Delta) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := r.slots[slot] + " " + syscalls.Name(arch, nr)
	r.calls[key] += d.Calls
	for _, e := range d.Errors {
		r.errs[key+" "+syscalls.ErrnoName(e.Errno)] += e.Count
	}
	for _, b := range d.Latency {
		r.latencies[key] += b.Count
		r.buckets[key] = append(r.buckets[key], b)
	}
	r.sumNs[key] += d.SumNs
}

func (r *recorder) SpanCandidate(c *backend.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, r.slots[c.Slot]+" "+syscalls.Name(c.Arch, c.Nr)+" "+syscalls.ErrnoName(c.Errno))
}

func (r *recorder) count(key string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[key]
}

func startTracer(t *testing.T, filter *syscalls.Filter) (*ebpf.Tracer, *recorder) {
	t.Helper()
	testprog.RequireBPF(t)
	rec := newRecorder()
	tr := ebpf.New(ebpf.Config{Consumer: rec, Filter: filter, ReadInterval: 100 * time.Millisecond})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.DetachAll() })
	return tr, rec
}

func waitDone(t *testing.T, tr *ebpf.Tracer) {
	t.Helper()
	select {
	case <-tr.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("tracer did not finish")
	}
}

// The workload's counted calls, exactly, per thread name.
func checkWorkload(t *testing.T, rec *recorder, proc string, threads int, getppids, enoents, sleeps uint64, sleepMs int64, forkGetppids uint64) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i := 0; i < threads; i++ {
		key := proc + "/getter-" + strconv.Itoa(i) + " getppid"
		if got := rec.calls[key]; got != getppids {
			t.Errorf("%s: %d calls, want %d", key, got, getppids)
		}
		if got := rec.latencies[key]; got != getppids {
			t.Errorf("%s: %d timed, want %d", key, got, getppids)
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
	// The kernel's own latency: no round trip through a tracer. The upper
	// bound leaves room for a loaded test machine.
	if n := rec.latencies[key]; n != sleeps || rec.sumNs[key] < sleeps*uint64(sleepMs)*1e6 || rec.sumNs[key] > sleeps*uint64(sleepMs+20)*1e6 {
		t.Errorf("%s: %d timed, %v in all, want %d of [%d, %d] ms", key, n, time.Duration(rec.sumNs[key]), sleeps, sleepMs, sleepMs+20)
	}
	if got := rec.calls["forked/forked getppid"]; got != forkGetppids {
		t.Errorf("forked child getppid: %d calls, want %d (%v)", got, forkGetppids, rec.calls)
	}
	if got := rec.calls["true/true exit_group"]; got != 1 {
		t.Errorf("the exec'd child's exit_group: %d calls, want 1", got)
	}
	if got := rec.latencies["true/true exit_group"]; got != 0 {
		t.Errorf("exit_group timed %d times: it never returns", got)
	}
}

func TestLaunchCountsExactly(t *testing.T) {
	prog := testprog.Build(t, "workload")
	tr, rec := startTracer(t, nil)
	if err := tr.Launch(prog, []string{prog, "-g", "1000", "-e", "7", "-s", "3", "-m", "5", "-f", "50"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("status %v, want exit 0", ws)
	}
	checkWorkload(t, rec, "workload", 4, 1000, 7, 3, 5, 50)
	if got := rec.count("workload/workload execve"); got != 1 {
		t.Errorf("execve of the launched command: %d, want 1 (the calls before it must not count)\n%v", got, rec.calls)
	}
	if got := tr.Stats().Tracees.Load(); got != 0 {
		t.Errorf("%d tracees left", got)
	}
	if rec.live != 0 {
		t.Errorf("%d threads never exited for the consumer", rec.live)
	}
	openats := 0
	for _, s := range rec.spans {
		if s == "workload/opener openat ENOENT" {
			openats++
		}
	}
	if openats != 7 {
		t.Errorf("span candidates %v, want the 7 failed openat among them", rec.spans)
	}
}

// gated starts the workload waiting for SIGUSR1, so the test can attach
// before it works.
func gated(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	prog := testprog.Build(t, "workload")
	cmd := exec.Command(prog, append([]string{"-G"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "gated" {
		t.Fatalf("workload said %q, %v", line, err)
	}
	go func() { bufio.NewReader(out).WriteTo(discard{}) }()
	return cmd
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func TestAttachCountsExactly(t *testing.T) {
	tr, rec := startTracer(t, nil)
	cmd := gated(t, "-g", "500", "-e", "3", "-s", "2", "-m", "5", "-f", "20")
	if err := tr.Attach(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if !tr.Traced(cmd.Process.Pid) {
		t.Error("not traced after Attach")
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, tr, cmd.Process.Pid)
	tr.Sync()
	checkWorkload(t, rec, "workload", 4, 500, 3, 2, 5, 20)
}

func waitGone(t *testing.T, tr *ebpf.Tracer, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tr.Traced(pid) || tr.Stats().Tracees.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still traced (%d tracees) after its exit", pid, tr.Stats().Tracees.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAttachUnknownPID(t *testing.T) {
	tr, _ := startTracer(t, nil)
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	err := tr.Attach(cmd.Process.Pid) // reaped: gone
	ae, ok := err.(*backend.AttachError)
	if !ok || ae.Reason != backend.ReasonNotFound {
		t.Fatalf("Attach of a gone PID: %v, want a not-found AttachError", err)
	}
	if got := tr.Stats().AttachErrors[backend.ReasonNotFound].Load(); got != 1 {
		t.Errorf("not_found attach errors %d, want 1", got)
	}
}

// Unlike ptrace, --syscalls filters attached processes in the kernel.
func TestAttachFiltered(t *testing.T) {
	filter, err := syscalls.Parse("openat")
	if err != nil {
		t.Fatal(err)
	}
	tr, rec := startTracer(t, &filter)
	cmd := gated(t, "-g", "100", "-e", "4", "-s", "1", "-m", "1", "-f", "10")
	if err := tr.Attach(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	cmd.Wait()
	waitGone(t, tr, cmd.Process.Pid)
	tr.Sync()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for key := range rec.calls {
		if !strings.HasSuffix(key, " openat") {
			t.Errorf("%s counted; only openat is selected", key)
		}
	}
	if got := rec.calls["workload/opener openat"]; got != 4 {
		t.Errorf("opener openat %d, want 4", got)
	}
}

// A rename through a write to the comm file, not prctl, and an exec from
// a thread other than the leader: each call lands on the names its
// thread had when it made it.
func TestRenameByCommWrite(t *testing.T) {
	tr, rec := startTracer(t, nil)
	prog := testprog.Build(t, "renamer")
	cmd := exec.Command(prog, "renamed-one", "40")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(out)
	if line, _ := r.ReadString('\n'); line != "ready\n" {
		t.Fatalf("renamer said %q", line)
	}
	if err := tr.Attach(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	in.Write([]byte("\n"))
	if line, _ := r.ReadString('\n'); line != "renamed\n" {
		t.Fatalf("renamer said %q", line)
	}
	in.Close()
	cmd.Wait()
	waitGone(t, tr, cmd.Process.Pid)
	tr.Sync()
	if got := rec.count("renamed-one/renamed-one getppid"); got != 40 {
		t.Errorf("getppid after the rename: %d, want 40\n%v", got, rec.calls)
	}
	if got := rec.count("renamer/renamer getppid"); got != 0 {
		t.Errorf("getppid under the old name: %d, want 0", got)
	}
}

func TestExecFromNonLeaderThread(t *testing.T) {
	tr, rec := startTracer(t, nil)
	prog := testprog.Build(t, "execthread")
	if err := tr.Launch(prog, []string{prog, "-g", "100", "-e", "200", "-a", "300"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	for key, want := range map[string]uint64{
		"execthread/worker getppid": 100,
		"execthread/execer getppid": 200,
		"after/after getppid":       300,
		"execthread/worker pause":   1,
	} {
		if got := rec.count(key); got != want {
			t.Errorf("%s: %d, want %d", key, got, want)
		}
	}
	var execs uint64
	for key, n := range rec.calls {
		if strings.HasSuffix(key, " execve") {
			execs += n
		}
	}
	if execs != 2 {
		t.Errorf("execve: %d, want 2 (the launch, the thread's)\n%v", execs, rec.calls)
	}
	if tr.Stats().Tracees.Load() != 0 || rec.live != 0 {
		t.Errorf("%d tracees, %d live threads left", tr.Stats().Tracees.Load(), rec.live)
	}
}

// An i386 program on x86_64 is counted by the i386 table: getppid is 64
// there, open 5.
func TestCompat32CountsByTheI386Table(t *testing.T) {
	tr, rec := startTracer(t, nil)
	prog := testprog.BuildI386(t, "compat32")
	if err := tr.Launch(prog, []string{prog, "70", "6"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.calls["compat32.i386/compat32.i386 getppid"]; got != 70 {
		t.Errorf("getppid: %d, want 70\n%v", got, rec.calls)
	}
	if got := rec.calls["compat32.i386/compat32.i386 open"]; got != 6 {
		t.Errorf("open: %d, want 6", got)
	}
	if got := rec.errs["compat32.i386/compat32.i386 open ENOENT"]; got != 6 {
		t.Errorf("open ENOENT: %d, want 6", got)
	}
}

// DetachAll leaves none of the backend's programs or maps in the kernel.
func TestNothingLoadedAfterDetachAll(t *testing.T) {
	testprog.RequireBPF(t)
	before := loaded(t)
	tr := ebpf.New(ebpf.Config{Consumer: newRecorder()})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	var ourProgs, ourMaps []int64
	for id := range loaded(t) {
		switch {
		case before[id]:
		case id > 0:
			ourProgs = append(ourProgs, id)
		default:
			ourMaps = append(ourMaps, id)
		}
	}
	if len(ourProgs) < 7 || len(ourMaps) < 7 {
		t.Errorf("while running: programs %v, maps %v; the count misses ours", ourProgs, ourMaps)
	}
	if err := tr.DetachAll(); err != nil {
		t.Fatal(err)
	}
	// The kernel frees programs and maps once their last reference goes,
	// which for maps may be after an RCU grace period.
	deadline := time.Now().Add(5 * time.Second)
	for {
		now := loaded(t)
		var left []int64
		for _, id := range append(ourProgs, ourMaps...) {
			if now[id] {
				left = append(left, id)
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after DetachAll, still loaded: %v (programs > 0, maps < 0)", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The tracer holds a pidfd of each process it attached to while it
// lives: /proc/self/fdinfo shows which (the cluster tests look there).
func TestAttachedProcessesShowAsPidfds(t *testing.T) {
	tr, _ := startTracer(t, nil)
	cmd := gated(t, "-g", "1", "-e", "0", "-s", "0", "-f", "-1")
	if err := tr.Attach(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if !holdsPidfd(t, cmd.Process.Pid) {
		t.Error("no pidfd of the attached process in /proc/self/fdinfo")
	}
	cmd.Process.Signal(syscall.SIGUSR1)
	cmd.Wait()
	waitGone(t, tr, cmd.Process.Pid)
	if holdsPidfd(t, cmd.Process.Pid) {
		t.Error("the pidfd outlived the process")
	}
}

func holdsPidfd(t *testing.T, pid int) bool {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fdinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := os.ReadFile("/proc/self/fdinfo/" + e.Name())
		if strings.Contains(string(b), "Pid:\t"+strconv.Itoa(pid)+"\n") {
			return true
		}
	}
	return false
}

// Two tracers on one host are independent: each counts its own command
// exactly, and nothing of the other's.
func TestTwoTracersAreIndependent(t *testing.T) {
	prog := testprog.Build(t, "workload")
	first, firstRec := startTracer(t, nil)
	second, secondRec := startTracer(t, nil)
	if err := first.Launch(prog, []string{prog, "-g", "300", "-e", "2", "-s", "1", "-m", "1", "-f", "10"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	if err := second.Launch(prog, []string{prog, "-g", "700", "-e", "5", "-s", "1", "-m", "1", "-f", "30"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, first)
	waitDone(t, second)
	checkWorkload(t, firstRec, "workload", 4, 300, 2, 1, 1, 10)
	checkWorkload(t, secondRec, "workload", 4, 700, 5, 1, 1, 30)
}

// A command that is found but cannot be executed ends the launch like a
// shell would: status 126, as with ptrace.
func TestLaunchNotExecutable(t *testing.T) {
	tr, _ := startTracer(t, nil)
	bad := t.TempDir() + "/not-a-program"
	if err := os.WriteFile(bad, []byte("\x7fELF and nothing else"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := tr.Launch(bad, []string{bad}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 126 {
		t.Errorf("status %v, want exit 126", ws)
	}
}
