package collector

import (
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// byTID makes thread tid of this process: with --label.thread=tid every
// TID is a label set of its own, the unbounded case the cap is for.
func byTID(tid int32) *backend.Thread {
	return &backend.Thread{TID: tid, PID: int32(os.Getpid()), Process: "app", Name: "worker"}
}

const (
	capNrRead    = 0
	capNrGetpid  = 39
	capNrGetppid = 110
)

func totals(c *Collector) (calls uint64, series int, byThread map[string]uint64, bySyscall map[string]uint64) {
	byThread, bySyscall = map[string]uint64{}, map[string]uint64{}
	for _, s := range c.Snapshot() {
		calls += s.Calls
		series++
		byThread[s.Labels[1]] += s.Calls
		bySyscall[s.Syscall] += s.Calls
	}
	return
}

func TestMaxSeriesFoldsIntoOtherAndLosesNoCall(t *testing.T) {
	const maxSeries, threads = 100, 1000
	c := New(Config{ThreadLabel: ThreadByTID, MaxSeries: maxSeries})
	early := c.ThreadStarted(byTID(1_000_000))
	call(c, early, capNrRead, 0, 1000)
	for tid := int32(1); tid <= threads; tid++ {
		slot := c.ThreadStarted(byTID(tid))
		for _, nr := range []uint32{capNrRead, capNrGetpid, capNrGetppid} {
			call(c, slot, nr, 0, 1000)
		}
		c.ThreadExited(byTID(tid), slot)
	}
	// A set made before the cap was reached calls new syscalls: they are
	// counted together as syscall="other", once each.
	for _, nr := range []uint32{200, 201, 202, 600} {
		call(c, early, nr, uint16(unix.EINVAL), 1000)
	}

	calls, series, byThread, bySyscall := totals(c)
	if want := uint64(1 + 3*threads + 4); calls != want {
		t.Errorf("%d calls in all series, want %d: folding must lose none", calls, want)
	}
	if byThread["other"] == 0 {
		t.Errorf(`no thread="other": %v`, byThread)
	}
	if bySyscall["other"] != 4 {
		t.Errorf(`syscall="other" = %d, want 4`, bySyscall["other"])
	}
	headroom := maxSeries/10 + 1
	if held := c.series.used.Load(); held > maxSeries+int64(headroom) {
		t.Errorf("%d series held, cap %d + headroom %d", held, maxSeries, headroom)
	}
	// Each label set may add one syscall="other" on top of what it holds.
	if series > maxSeries+headroom+len(byThread) {
		t.Errorf("%d series exported for %d label sets, cap %d", series, len(byThread), maxSeries)
	}
	if got := c.series.dropped.Load(); got < threads-maxSeries/3 {
		t.Errorf("series dropped = %d, want at least one per folded thread (%d)", got, threads-maxSeries/3)
	}
	for _, name := range []string{"syscall_exporter_series", "syscall_exporter_series_dropped_total"} {
		if n := testutil.CollectAndCount(c, name); n != 1 {
			t.Errorf("%s: %d samples, want 1", name, n)
		}
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}

	// Folded calls take the same path as any other: no allocation.
	s := backend.Call{Slot: early, Arch: syscalls.X86_64, Nr: 201, Entry: 1, Exit: 2}
	if allocs := testing.AllocsPerRun(1000, func() { feed(c, &s) }); allocs != 0 {
		t.Errorf("a folded call allocates %v times", allocs)
	}
}

func TestMaxSeriesFoldsProcessesToo(t *testing.T) {
	// Without thread and pid labels a label set is a process name: past
	// the cap a new one folds into process="other".
	c := New(Config{ThreadLabel: ThreadNone, MaxSeries: 1})
	a := c.ThreadStarted(byTID(1))
	call(c, a, capNrRead, 0, 1000)
	c.mu.Lock()
	values, _ := c.fold([]string{"newcomer"}, joinKey([]string{"newcomer"}))
	c.mu.Unlock()
	if len(values) != 1 || values[0] != otherValue {
		t.Errorf("folded to %q, want [other]", values)
	}
}

func TestExpiredSeriesGiveBackTheirBudget(t *testing.T) {
	c := New(Config{ThreadLabel: ThreadByTID, MaxSeries: 10, Retention: time.Nanosecond})
	for tid := int32(1); tid <= 10; tid++ {
		slot := c.ThreadStarted(byTID(tid))
		call(c, slot, capNrRead, 0, 1000)
		c.ThreadExited(byTID(tid), slot)
	}
	time.Sleep(time.Millisecond)
	c.Snapshot() // expires the idle sets
	if held := c.series.used.Load(); held != 0 {
		t.Fatalf("%d series held after every set expired, want 0", held)
	}
	slot := c.ThreadStarted(byTID(99))
	call(c, slot, capNrRead, 0, 1000)
	_, _, byThread, _ := totals(c)
	if byThread["99"] != 1 {
		t.Errorf("a new thread after expiry was folded: %v", byThread)
	}
}

func TestNoCapWithoutMaxSeries(t *testing.T) {
	c := New(Config{ThreadLabel: ThreadByTID})
	for tid := int32(1); tid <= 2000; tid++ {
		call(c, c.ThreadStarted(byTID(tid)), capNrRead, 0, 1000)
	}
	if _, series, byThread, _ := totals(c); series != 2000 || byThread["other"] != 0 {
		t.Errorf("%d series, other=%d; want 2000 and none folded", series, byThread["other"])
	}
}
