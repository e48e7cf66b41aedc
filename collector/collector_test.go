package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

func call(c *Collector, slot backend.Slot, nr uint32, errno uint16, ns int64) {
	s := backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: nr, Errno: errno, Entry: 1, Exit: 1 + ns}
	feed(c, &s)
}

func TestCountsErrorsAndLatency(t *testing.T) {
	c := New(Config{})
	slot := c.ThreadStarted(self())
	for i := 0; i < 5; i++ {
		call(c, slot, 257, 0, 2000) // openat, 2 µs
	}
	call(c, slot, 257, uint16(unix.ENOENT), 3000)
	call(c, slot, 257, 512, 9000) // ERESTARTSYS: a call, not an error, no latency
	// exit_group never returns: handed over with Exit 0.
	feed(c, &backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: 231})

	if n := testutil.CollectAndCount(c, "syscall_calls_total"); n != 2 {
		t.Errorf("%d call series, want 2", n)
	}
	series := c.Snapshot()
	byName := map[string]Series{}
	for _, s := range series {
		byName[s.Syscall] = s
	}
	open := byName["openat"]
	if open.Calls != 7 || open.TotalErrors() != 1 || open.Errors[0].Name != "ENOENT" {
		t.Errorf("openat: %d calls, errors %+v", open.Calls, open.Errors)
	}
	if open.Duration.Count != 6 || open.Duration.SumNs != 5*2000+3000 {
		t.Errorf("openat latency: %d observations, %d ns", open.Duration.Count, open.Duration.SumNs)
	}
	if eg := byName["exit_group"]; eg.Calls != 1 || eg.Duration.Count != 0 {
		t.Errorf("exit_group: %d calls, %d observations", eg.Calls, eg.Duration.Count)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

func TestHistogramBuckets(t *testing.T) {
	var h histogram
	for _, ns := range []int64{999, 1000, 1001, 5_000_000, 20e9} {
		h.observe(ns)
	}
	var s HistogramSnapshot
	h.snapshot(&s)
	// le=1µs holds 999 and 1000; le=2.5µs holds 1001; 5 ms lands in le=5ms.
	if s.Classic[0] != 2 || s.Classic[1] != 1 || s.Classic[11] != 1 {
		t.Errorf("classic buckets %v", s.Classic)
	}
	var total uint64
	for i := range nativeBuckets {
		total += s.Native(i)
	}
	if total != 5 || s.Count != 5 {
		t.Errorf("native holds %d, count %d; want 5", total, s.Count)
	}
	// Native bucket k holds (2^((k-1)/8), 2^(k/8)] seconds: 5 ms → k = ceil(8·log2(0.005)) = -61.
	if k := backend.NativeKey(5_000_000); k != -61 {
		t.Errorf("nativeKey(5ms) = %d, want -61", k)
	}
	if q := s.Quantile(0.5); q < 1e-6 || q > 1.2e-6 {
		t.Errorf("median %v, want about 1 µs", q)
	}
}

func TestRetentionDropsIdleSeries(t *testing.T) {
	c := New(Config{Retention: 50 * time.Millisecond})
	th := self()
	slot := c.ThreadStarted(th)
	call(c, slot, 39, 0, 100)
	c.ThreadExited(th, slot)
	if len(c.Snapshot()) != 1 {
		t.Fatal("series gone before the retention passed")
	}
	time.Sleep(80 * time.Millisecond)
	if n := len(c.Snapshot()); n != 0 {
		t.Fatalf("%d series after the retention, want 0", n)
	}
	// A thread of the same name later starts afresh, in the freed slot.
	again := c.ThreadStarted(th)
	call(c, again, 39, 0, 100)
	if s := c.Snapshot(); len(s) != 1 || s[0].Calls != 1 || again != slot {
		t.Fatalf("after restart: %+v (slot %d, was %d)", s, again, slot)
	}
}

func TestLiveSeriesAreNeverDropped(t *testing.T) {
	c := New(Config{Retention: time.Nanosecond})
	slot := c.ThreadStarted(self())
	call(c, slot, 39, 0, 100)
	time.Sleep(time.Millisecond)
	if s := c.Snapshot(); len(s) != 1 || s[0].Calls != 1 {
		t.Fatalf("live series dropped: %+v", s)
	}
}

func TestLabelModes(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "process,thread,syscall"},
		{Config{ThreadLabel: ThreadNone}, "process,syscall"},
		{Config{ThreadLabel: ThreadByTID, PIDLabel: true}, "process,thread,pid,syscall"},
	} {
		c := New(tc.cfg)
		if got := strings.Join(append(c.LabelNames(), "syscall"), ","); got != tc.want {
			t.Errorf("%+v: labels %s, want %s", tc.cfg, got, tc.want)
		}
	}
}
