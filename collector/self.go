package collector

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

const selfNamespace = "syscall_exporter"

var (
	traceesDesc = prometheus.NewDesc(selfNamespace+"_tracees",
		"Threads traced now.", nil, nil)
	targetsDesc = prometheus.NewDesc(selfNamespace+"_targets",
		"Processes by tracing state.", []string{"state"}, nil)
	attachErrorsDesc = prometheus.NewDesc(selfNamespace+"_attach_errors_total",
		"Attaches that failed, by reason.", []string{"reason"}, nil)
	stopsDesc = prometheus.NewDesc(selfNamespace+"_stops_total",
		"ptrace stops handled by the tracer.", nil, nil)
	stopSecondsDesc = prometheus.NewDesc(selfNamespace+"_stop_seconds_total",
		"Time the tracer spent handling stops, wait4 excluded (estimated from every 8th stop): while it runs, a tracee waits.", nil, nil)
	interruptedOverflowDesc = prometheus.NewDesc(selfNamespace+"_interrupted_overflow_total",
		"Calls a signal interrupted that were counted as not failed because their thread already held as many as it can whose outcome was not known yet.", nil, nil)
	scansDesc = prometheus.NewDesc(selfNamespace+"_discovery_scans_total",
		"Scans of /proc for processes matching --match.*.", nil, nil)
	overheadDesc = prometheus.NewDesc(selfNamespace+"_overhead_ratio",
		"Estimated fraction of the targets' time spent stopped by the tracer, over the last duty cycle (--max-overhead only).", nil, nil)
	backendDesc = prometheus.NewDesc(selfNamespace+"_backend_info",
		"The backend that traces: ptrace or ebpf.", []string{"backend"}, nil)
	bpfLostDesc = prometheus.NewDesc(selfNamespace+"_bpf_lost_total",
		"What the eBPF programs could not record, by reason: a full map or ring buffer, an exit without its entry.", []string{"reason"}, nil)
	bpfSecondsDesc = prometheus.NewDesc(selfNamespace+"_bpf_program_seconds_total",
		"Time the eBPF programs ran, by program: what tracing costs every syscall of the host (needs kernel.bpf_stats_enabled, or CAP_SYS_ADMIN to enable it).", []string{"program"}, nil)
	bpfRunsDesc = prometheus.NewDesc(selfNamespace+"_bpf_program_runs_total",
		"Times the eBPF programs ran, by program.", []string{"program"}, nil)
	bpfEntriesDesc = prometheus.NewDesc(selfNamespace+"_bpf_map_entries",
		"Entries used in the eBPF count maps, by map.", []string{"map"}, nil)
	bpfCapacityDesc = prometheus.NewDesc(selfNamespace+"_bpf_map_capacity",
		"Entries the eBPF count maps hold at most, by map (sized from --metrics.max-series).", []string{"map"}, nil)
	samplingDesc = prometheus.NewDesc(selfNamespace+"_sampling_ratio",
		"Fraction of the targets' time that is traced; counters are raw observations, so true rates are rate()/this.", nil, nil)
)

// Health is what every backend says of itself.
type Health interface {
	Stats() *backend.Stats
}

// StopCounter is a backend that stops its targets (ptrace): how many stops
// it handled, and the nanoseconds it spent on them.
type StopCounter interface {
	StopStats() (stops, nanos uint64)
}

// Governed is a backend that may trace only part of the time
// (--max-overhead).
type Governed interface {
	// SamplingRatio is the fraction of the targets' time traced: 1 when
	// everything is.
	SamplingRatio() float64
	// OverheadRatio is the estimated fraction of the targets' time spent
	// stopped; NaN when not estimated.
	OverheadRatio() float64
}

// Named is a backend that says which it is.
type Named interface {
	BackendName() string
}

// KernelCounter is a backend whose programs count in the kernel (ebpf).
type KernelCounter interface {
	KernelStats() backend.KernelStats
}

// DiscoveryStats is what discovery counts (nil without --match.*).
type DiscoveryStats interface {
	ScanCount() uint64
	Failed() int64
}

// SelfCollector exposes the backend's own health. It belongs in a registry
// of its own, beside the Go and process collectors.
type SelfCollector struct {
	backend   Health
	discovery DiscoveryStats
}

var _ prometheus.Collector = (*SelfCollector)(nil)

// NewSelfCollector reads b (and discovery's counts, if not nil) at scrape
// time; the optional interfaces above add their metrics.
func NewSelfCollector(b Health, discovery DiscoveryStats) *SelfCollector {
	return &SelfCollector{backend: b, discovery: discovery}
}

// Describe sends every descriptor a backend may use.
func (s *SelfCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- traceesDesc
	ch <- targetsDesc
	ch <- attachErrorsDesc
	ch <- interruptedOverflowDesc
	ch <- stopsDesc
	ch <- stopSecondsDesc
	ch <- scansDesc
	ch <- samplingDesc
	ch <- overheadDesc
	ch <- backendDesc
	ch <- bpfLostDesc
	ch <- bpfSecondsDesc
	ch <- bpfRunsDesc
	ch <- bpfEntriesDesc
	ch <- bpfCapacityDesc
}

// Collect reads the counters now.
func (s *SelfCollector) Collect(ch chan<- prometheus.Metric) {
	stats := s.backend.Stats()
	ch <- prometheus.MustNewConstMetric(traceesDesc, prometheus.GaugeValue, float64(stats.Tracees.Load()))
	ch <- prometheus.MustNewConstMetric(targetsDesc, prometheus.GaugeValue, float64(stats.Targets.Load()), "attached")
	var failed, scans float64
	if s.discovery != nil {
		failed, scans = float64(s.discovery.Failed()), float64(s.discovery.ScanCount())
	}
	// failed: matching processes alive now that could not be traced.
	ch <- prometheus.MustNewConstMetric(targetsDesc, prometheus.GaugeValue, failed, "failed")
	ch <- prometheus.MustNewConstMetric(scansDesc, prometheus.CounterValue, scans)
	for _, r := range backend.AttachReasons() {
		ch <- prometheus.MustNewConstMetric(attachErrorsDesc, prometheus.CounterValue, float64(stats.AttachErrors[r].Load()), r.String())
	}
	ch <- prometheus.MustNewConstMetric(interruptedOverflowDesc, prometheus.CounterValue, float64(stats.InterruptedOverflow.Load()))
	// Recording rules divide by the sampling ratio: it is 1 where
	// everything is traced.
	sampling := 1.0
	if g, ok := s.backend.(Governed); ok {
		sampling = g.SamplingRatio()
		if o := g.OverheadRatio(); !math.IsNaN(o) {
			ch <- prometheus.MustNewConstMetric(overheadDesc, prometheus.GaugeValue, o)
		}
	}
	ch <- prometheus.MustNewConstMetric(samplingDesc, prometheus.GaugeValue, sampling)
	if n, ok := s.backend.(Named); ok {
		ch <- prometheus.MustNewConstMetric(backendDesc, prometheus.GaugeValue, 1, n.BackendName())
	}
	if k, ok := s.backend.(KernelCounter); ok {
		collectKernel(ch, k.KernelStats())
	}
	if sc, ok := s.backend.(StopCounter); ok {
		stops, nanos := sc.StopStats()
		ch <- prometheus.MustNewConstMetric(stopsDesc, prometheus.CounterValue, float64(stops))
		ch <- prometheus.MustNewConstMetric(stopSecondsDesc, prometheus.CounterValue, float64(nanos)*1e-9)
	}
}

func collectKernel(ch chan<- prometheus.Metric, ks backend.KernelStats) {
	for reason, n := range ks.Lost {
		ch <- prometheus.MustNewConstMetric(bpfLostDesc, prometheus.CounterValue, float64(n), reason)
	}
	for _, p := range ks.Programs {
		if p.Known {
			ch <- prometheus.MustNewConstMetric(bpfSecondsDesc, prometheus.CounterValue, p.Seconds, p.Name)
			ch <- prometheus.MustNewConstMetric(bpfRunsDesc, prometheus.CounterValue, float64(p.Runs), p.Name)
		}
	}
	for _, m := range ks.Maps {
		ch <- prometheus.MustNewConstMetric(bpfEntriesDesc, prometheus.GaugeValue, float64(m.Entries), m.Name)
		ch <- prometheus.MustNewConstMetric(bpfCapacityDesc, prometheus.GaugeValue, float64(m.Capacity), m.Name)
	}
}
