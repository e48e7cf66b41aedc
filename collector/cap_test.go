package collector

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
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
	capNrExit    = 60
)

// textSeries counts the samples of syscall_* traced metrics in a text
// scrape, as Prometheus counts them, and reads syscall_exporter_series.
func textSeries(t *testing.T, c *Collector) (samples int, says float64) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
		if mf.GetName() == "syscall_exporter_series" {
			says = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "syscall_") && !strings.HasPrefix(line, "syscall_exporter_") {
			samples++
		}
	}
	return samples, says
}

// The budget holds for every histogram layout: a scrape exposes at most
// --metrics.max-series series of syscall_* metrics, says how many, and
// folding loses no call, error or latency.
func TestMaxSeriesFoldsIntoOtherAndLosesNoCall(t *testing.T) {
	const threads = 1000
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"no native", Config{NoNativeHistogram: true}},
		{"no classic", Config{NoClassicBuckets: true}},
		{"three buckets", Config{ClassicBuckets: []float64{0.0001, 0.01, 1}}},
		{"histogram without thread", Config{HistogramLabels: []string{"process"}}},
		{"histogram without thread, no native", Config{HistogramLabels: []string{"process"}, NoNativeHistogram: true}},
	} {
		for _, maxSeries := range []int{100, 1000} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, maxSeries), func(t *testing.T) {
				cfg := tc.cfg
				cfg.ThreadLabel, cfg.MaxSeries = ThreadByTID, maxSeries
				c := New(cfg)
				early := c.ThreadStarted(byTID(1_000_000))
				call(c, early, capNrRead, 0, 1000)
				for tid := int32(1); tid <= threads; tid++ {
					slot := c.ThreadStarted(byTID(tid))
					// exit reserves no histogram: if one came back, its
					// latency would go to the catch-all's.
					for _, nr := range []uint32{capNrRead, capNrGetpid, capNrGetppid, capNrExit} {
						call(c, slot, nr, uint16(tid%3), 1000)
					}
					c.ThreadExited(byTID(tid), slot)
				}
				// A set made before the cap was reached calls new
				// syscalls: they are counted together as syscall="other".
				for _, nr := range []uint32{200, 201, 202, 600} {
					call(c, early, nr, uint16(unix.EINVAL), 1000)
				}

				var calls, errs, observed uint64
				byThread, bySyscall := map[string]uint64{}, map[string]uint64{}
				for _, s := range c.Snapshot() {
					calls += s.Calls
					errs += s.TotalErrors()
					observed += s.Duration.Count
					byThread[s.Labels[1]] += s.Calls
					bySyscall[s.Syscall] += s.Calls
				}
				if want := uint64(1 + 4*threads + 4); calls != want || observed != want {
					t.Errorf("%d calls, %d latencies in all series, want %d: folding must lose none", calls, observed, want)
				}
				if want := uint64(4*(threads-threads/3) + 4); errs != want {
					t.Errorf("%d errors in all series, want %d", errs, want)
				}
				if byThread["other"] == 0 || bySyscall["other"] == 0 {
					t.Errorf(`nothing folded: threads %d other, syscalls %d other`, byThread["other"], bySyscall["other"])
				}
				samples, says := textSeries(t, c)
				if samples > maxSeries || float64(samples) != says {
					t.Errorf("a text scrape has %d syscall_* samples, says %v, budget %d", samples, says, maxSeries)
				}
				if held := c.series.used.Load(); held > int64(maxSeries) {
					t.Errorf("%d series reserved, budget %d", held, maxSeries)
				}
				if got := c.series.dropped.Load(); got < threads/2 {
					t.Errorf("series dropped = %d, want at least one per folded thread", got)
				}
				for _, name := range []string{"syscall_exporter_series", "syscall_exporter_series_limit", "syscall_exporter_series_dropped_total"} {
					if n := testutil.CollectAndCount(c, name); n != 1 {
						t.Errorf("%s: %d samples, want 1", name, n)
					}
				}
				if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
					t.Errorf("lint: %v %v", err, problems)
				}
				t.Logf("%d series exposed of %d, %d label sets", samples, maxSeries, len(byThread))

				// Folded calls take the same path as any other: no allocation.
				s := backend.Call{Slot: early, Arch: syscalls.X86_64, Nr: 201, Errno: uint16(unix.EINVAL), Entry: 1, Exit: 2}
				if allocs := testing.AllocsPerRun(1000, func() { feed(c, &s) }); allocs != 0 {
					t.Errorf("a folded call allocates %v times", allocs)
				}
			})
		}
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
	for _, keep := range [][]string{nil, {"process"}} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) { testExpiredSeriesGiveBackTheirBudget(t, keep) })
	}
}

func testExpiredSeriesGiveBackTheirBudget(t *testing.T, keep []string) {
	c := New(Config{ThreadLabel: ThreadByTID, MaxSeries: 300, Retention: time.Nanosecond, HistogramLabels: keep})
	for tid := int32(1); tid <= 10; tid++ {
		slot := c.ThreadStarted(byTID(tid))
		call(c, slot, capNrRead, 0, 1000)
		c.ThreadExited(byTID(tid), slot)
	}
	time.Sleep(time.Millisecond)
	c.Snapshot() // expires the idle sets
	if held, reserved := c.series.used.Load(), c.series.record+1; held != reserved {
		t.Fatalf("%d series held after every set expired, want the %d the catch-all reserves", held, reserved)
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

// With --metrics.histogram.labels=process the threads of a process share
// one histogram per syscall, while the counters keep their thread.
func TestHistogramKeepsFewerLabels(t *testing.T) {
	c := New(Config{HistogramLabels: []string{"process"}, MaxSeries: 1000})
	for i, name := range []string{"a", "b"} {
		th := &backend.Thread{TID: int32(i + 1), PID: 1, Process: "app", Name: name}
		call(c, c.ThreadStarted(th), capNrRead, 0, 1000*int64(i+1))
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "syscall_calls_total":
			if len(mf.GetMetric()) != 2 {
				t.Errorf("%d call counters, want one per thread", len(mf.GetMetric()))
			}
		case "syscall_duration_seconds":
			ms := mf.GetMetric()
			if len(ms) != 1 || len(ms[0].GetLabel()) != 2 || ms[0].GetHistogram().GetSampleCount() != 2 {
				t.Errorf("histograms: %v, want one of process and syscall counting 2", ms)
			}
		}
	}
	if samples, says := textSeries(t, c); float64(samples) != says || samples != 2+25 {
		t.Errorf("%d series in a text scrape, says %v, want 2 counters + 25 of one histogram", samples, says)
	}
}
