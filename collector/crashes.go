package collector

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
)

// CrashSink takes crashes on the backend's thread, as a SpanSink takes
// records: without blocking (the log and the span are made elsewhere).
type CrashSink interface {
	OfferCrash(c *backend.Crash)
}

// Crashes counts the traced processes killed by a signal that dumps
// core, by process and signal: alerting on a crash then needs no log
// pipeline. It is the backend's CrashObserver, and hands every crash on
// to its sinks.
type Crashes struct {
	desc   *prometheus.Desc
	mu     sync.Mutex
	counts map[crashKey]uint64
	sinks  []CrashSink
}

type crashKey struct{ process, signal string }

var (
	_ backend.CrashObserver = (*Crashes)(nil)
	_ prometheus.Collector  = (*Crashes)(nil)
)

// NewCrashes counts crashes.
func NewCrashes() *Crashes {
	return &Crashes{
		desc: prometheus.NewDesc(namespace+"_process_crashes_total",
			"Traced processes killed by a signal that dumps core (SIGSEGV, SIGBUS, SIGABRT…), by process name and signal.",
			[]string{"process", "signal"}, nil),
		counts: make(map[crashKey]uint64),
	}
}

// AddSink hands every later crash to s too. Call it before tracing starts.
func (c *Crashes) AddSink(s CrashSink) { c.sinks = append(c.sinks, s) }

// ProcessCrashed counts the crash and offers it to the sinks. A crash is
// rare: the lock is held for a map update.
func (c *Crashes) ProcessCrashed(crash *backend.Crash) {
	k := crashKey{backend.ValidName(crash.Process), decode.SignalName(int(crash.Signal))}
	c.mu.Lock()
	c.counts[k]++
	c.mu.Unlock()
	for _, s := range c.sinks {
		s.OfferCrash(crash)
	}
}

// Describe sends the crash counter's descriptor.
func (c *Crashes) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect reads the counts now.
func (c *Crashes) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range c.counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), k.process, k.signal)
	}
}
