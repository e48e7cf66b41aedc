package collector

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/ptrace"
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
	scansDesc = prometheus.NewDesc(selfNamespace+"_discovery_scans_total",
		"Scans of /proc for processes matching --match.*.", nil, nil)
	overheadDesc = prometheus.NewDesc(selfNamespace+"_overhead_ratio",
		"Estimated fraction of the targets' time spent stopped by the tracer, over the last duty cycle (--max-overhead only).", nil, nil)
	samplingDesc = prometheus.NewDesc(selfNamespace+"_sampling_ratio",
		"Fraction of the targets' time that is traced; counters are raw observations, so true rates are rate()/this.", nil, nil)
)

// SelfCollector exposes the tracer's own health. It belongs in a registry
// of its own, beside the Go and process collectors.
type SelfCollector struct {
	stats     *ptrace.Stats
	discovery *ptrace.Discovery // nil without --match.*
}

var _ prometheus.Collector = (*SelfCollector)(nil)

// NewSelfCollector reads stats (and discovery's, if not nil) at scrape time.
func NewSelfCollector(stats *ptrace.Stats, discovery *ptrace.Discovery) *SelfCollector {
	return &SelfCollector{stats: stats, discovery: discovery}
}

func (s *SelfCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- traceesDesc
	ch <- targetsDesc
	ch <- attachErrorsDesc
	ch <- stopsDesc
	ch <- stopSecondsDesc
	ch <- scansDesc
	ch <- samplingDesc
	ch <- overheadDesc
}

func (s *SelfCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(traceesDesc, prometheus.GaugeValue, float64(s.stats.Tracees.Load()))
	ch <- prometheus.MustNewConstMetric(targetsDesc, prometheus.GaugeValue, float64(s.stats.Targets.Load()), "attached")
	var failed, scans float64
	if s.discovery != nil {
		failed, scans = float64(s.discovery.Failed()), float64(s.discovery.Scans.Load())
	}
	// failed: matching processes alive now that could not be traced.
	ch <- prometheus.MustNewConstMetric(targetsDesc, prometheus.GaugeValue, failed, "failed")
	ch <- prometheus.MustNewConstMetric(scansDesc, prometheus.CounterValue, scans)
	ch <- prometheus.MustNewConstMetric(samplingDesc, prometheus.GaugeValue, s.stats.SamplingRatio())
	if o := s.stats.OverheadRatio(); !math.IsNaN(o) {
		ch <- prometheus.MustNewConstMetric(overheadDesc, prometheus.GaugeValue, o)
	}
	for _, r := range ptrace.AttachReasons() {
		ch <- prometheus.MustNewConstMetric(attachErrorsDesc, prometheus.CounterValue, float64(s.stats.AttachErrors[r].Load()), r.String())
	}
	ch <- prometheus.MustNewConstMetric(stopsDesc, prometheus.CounterValue, float64(s.stats.Stops.Load()))
	ch <- prometheus.MustNewConstMetric(stopSecondsDesc, prometheus.CounterValue, float64(s.stats.StopNanos.Load())*1e-9)
}
