package ptrace_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

func startFilteredTracer(t *testing.T, expr string) (*ptrace.Tracer, *recorder) {
	t.Helper()
	f, err := syscalls.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	tr := ptrace.New(ptrace.Config{Consumer: rec, Filter: &f})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.DetachAll()
		<-tr.Done()
	})
	return tr, rec
}

// With a filter, a launched command gets a seccomp filter: the selected
// calls are counted exactly, the others never stop the command.
func TestSeccompFilterCountsOnlySelectedAndSkipsTheRest(t *testing.T) {
	prog := buildProg(t, "workload")
	tr, rec := startFilteredTracer(t, "getppid,openat")
	launchToSuccess(t, tr, prog, []string{prog, "-g", "1000", "-e", "7", "-s", "3", "-m", "1", "-f", "50"})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i := 0; i < 4; i++ {
		key := "workload/getter-" + strconv.Itoa(i) + " getppid"
		if rec.calls[key] != 1000 {
			t.Errorf("%s: %d, want 1000", key, rec.calls[key])
		}
	}
	if rec.errs["workload/opener openat ENOENT"] != 7 || rec.calls["forked/forked getppid"] != 50 {
		t.Errorf("openat ENOENT %d (want 7), forked getppid %d (want 50)", rec.errs["workload/opener openat ENOENT"], rec.calls["forked/forked getppid"])
	}
	for key := range rec.calls {
		if !strings.HasSuffix(key, " getppid") && !strings.HasSuffix(key, " openat") {
			t.Errorf("unselected call handed over: %s", key)
		}
	}
	// Each selected call costs two stops (seccomp, exit); the rest none.
	// Events (clone, exec, exit, signals) add a few dozen.
	selected := 4*1000 + 50 + 7
	if stops := stopsOf(tr); stops > 2*selected+200 {
		t.Errorf("%d stops for %d selected calls: unselected calls stopped too", stops, selected)
	}
}

// Attached processes cannot get a filter (it would outlive us and fail
// calls with ENOSYS): they stop as usual and the rest is dropped.
func TestFilterInAttachModeDropsTheRest(t *testing.T) {
	prog := buildProg(t, "workload")
	tr, rec := startFilteredTracer(t, "%file")
	d := testprog.StartDetached(t, prog, "-w", "-l", "-g", "300", "-e", "4", "-f", "-1")
	d.WaitOutput(t, "ready", 5*time.Second)
	if err := tr.Attach(d.PID); err != nil {
		t.Fatal(err)
	}
	d.WaitOutput(t, "done", 20*time.Second)
	if got := rec.count("workload/opener openat"); got != 4 {
		t.Errorf("opener openat %d, want 4", got)
	}
	if got := rec.count("workload/getter-0 getppid"); got != 0 {
		t.Errorf("getppid is not in %%file, yet %d were handed over", got)
	}
	if _, tracers := testprog.ProcStatus(d.PID); tracers[d.PID] == 0 {
		t.Error("not traced")
	}
	if strings.Contains(d.Stdout(), "ENOSYS") {
		t.Error("target saw ENOSYS")
	}
}

func stopsOf(tr *ptrace.Tracer) int {
	stops, _ := tr.StopStats()
	return int(stops)
}
