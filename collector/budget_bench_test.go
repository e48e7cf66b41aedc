package collector_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// churnCalls are the calls each thread of internal/testprog/src/churn.c
// makes under launch mode: set_robust_list, rseq, prctl, two getppid,
// madvise and exit.
var churnCalls = []string{"set_robust_list", "rseq", "prctl", "getppid", "getppid", "madvise", "exit"}

// churn starts n threads of unique names ("u0"…), each making churnCalls,
// and lets each exit, as churn -u -n N does.
func churn(tb testing.TB, c *collector.Collector, from, n int) {
	tb.Helper()
	arch := syscalls.X86_64
	nrs := make([]uint32, len(churnCalls))
	for i, name := range churnCalls {
		nr, ok := syscalls.Lookup(arch, name)
		if !ok {
			tb.Fatalf("no %s", name)
		}
		nrs[i] = nr
	}
	for i := from; i < from+n; i++ {
		th := &backend.Thread{TID: int32(i + 1), PID: 1, Process: "churn", Name: fmt.Sprintf("u%d", i)}
		slot := c.ThreadStarted(th)
		for _, nr := range nrs {
			call := backend.Call{Thread: th, Slot: slot, Arch: arch, Nr: nr, Entry: 1000, Exit: 1000 + int64(2000+i%50000)}
			c.SyscallEntered(&call)
			c.SyscallExited(&call)
		}
		c.ThreadExited(th, slot)
	}
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkScrapeAtCap is a scrape of a collector at its cap after
// churn -u -n 12000: the bytes it allocates, and the heap the collector
// holds (held-B).
func BenchmarkScrapeAtCap(b *testing.B) {
	for _, cfg := range []collector.Config{{}, {MaxSeries: 2000}, {MaxSeries: 5000}, {MaxSeries: 5000, HistogramLabels: []string{"process"}}} {
		b.Run(fmt.Sprintf("max-series=%d/histogram-labels=%v", cfg.MaxSeries, cfg.HistogramLabels), func(b *testing.B) {
			before := heapInuse()
			c := collector.New(cfg)
			churn(b, c, 0, 12000)
			held := heapInuse() - before
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(c)
			b.ReportAllocs()
			samples := 0
			for b.Loop() {
				mfs, err := reg.Gather()
				if err != nil {
					b.Fatal(err)
				}
				samples = 0
				enc := expfmt.NewEncoder(discard{&samples}, expfmt.NewFormat(expfmt.TypeTextPlain))
				for _, mf := range mfs {
					if err := enc.Encode(mf); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(held), "held-B")
			b.ReportMetric(float64(samples), "samples")
			runtime.KeepAlive(c)
		})
	}
}

// discard counts the lines written.
type discard struct{ lines *int }

func (d discard) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			*d.lines++
		}
	}
	return len(p), nil
}

// Past the budget new names fold into what exists: the heap stays put
// however many keep coming.
func TestHeapStaysFlatPastTheBudget(t *testing.T) {
	const budget = 2000
	c := collector.New(collector.Config{MaxSeries: budget})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	churn(t, c, 0, 2000)
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
	atCap := heapInuse()
	churn(t, c, 2000, 50000)
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
	after := heapInuse()
	t.Logf("heap in use %d KiB at the budget, %d KiB after 25 times the names", atCap>>10, after>>10)
	if after > atCap+256<<10 {
		t.Errorf("heap grew from %d KiB to %d KiB past the budget", atCap>>10, after>>10)
	}
	runtime.KeepAlive(c)
}
