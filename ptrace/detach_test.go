package ptrace_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// As in the exporter, the main goroutine keeps the main thread, so the
// tracer never runs there and DetachAll can end its thread (release.go).
func init() { runtime.LockOSThread() }

// DetachAll lets go of busy threads at once, and by Done every one of
// them is untraced and running: none waits to be scheduled first.
func TestDetachAllReleasesBusyThreadsAtOnce(t *testing.T) {
	const threads = 60
	prog := buildProg(t, "busy")
	tr, _ := startTracer(t)
	d := testprog.StartDetached(t, prog, "-t", "60")
	d.WaitOutput(t, "ready", 10*time.Second)
	if err := tr.Attach(d.PID); err != nil {
		t.Fatal(err)
	}
	if got := tr.Stats().Tracees.Load(); got != threads+1 {
		t.Fatalf("%d tracees, want %d", got, threads+1)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := tr.DetachAll(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	took := time.Since(start)
	states, tracers := testprog.ProcStatus(d.PID)
	for tid, tracer := range tracers {
		if tracer != 0 || states[tid] == "t" || states[tid] == "T" {
			t.Errorf("thread %d after Done: TracerPid %d, state %s", tid, tracer, states[tid])
		}
	}
	if took > time.Second {
		t.Errorf("DetachAll took %v for %d busy threads", took, threads+1)
	}
	t.Logf("%d busy threads released in %v", threads+1, took)
	d.CloseStdin()
	d.WaitOutput(t, "joined=60\n", 10*time.Second)
	if st := d.Wait(t, 10*time.Second); st != 0 {
		t.Errorf("target exited %d after the release", st)
	}
}
