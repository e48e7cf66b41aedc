package exporter

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// DropReason says why a call that qualified for a span has none.
type DropReason int

// The reasons a qualified call has no span.
const (
	DropRateLimited  DropReason = iota // the token bucket was empty
	DropQueueFull                      // the span queue was full
	DropExportFailed                   // the receiver did not take it
	numDropReasons
)

var dropReasonNames = [numDropReasons]string{"rate_limited", "queue_full", "export_failed"}

func (r DropReason) String() string { return dropReasonNames[r] }

// SpanStats counts the fate of every call offered as a span: exported plus
// the sum of Dropped equals the offers once the queues are empty. The span
// pipeline alone writes them.
type SpanStats struct {
	Exported atomic.Uint64
	Dropped  [numDropReasons]atomic.Uint64
	// Undecoded counts spans sent without their call's memory read: every
	// capture buffer was in use, or the arena was full. Their text shows
	// pointers as addresses.
	Undecoded atomic.Uint64
}

var (
	spansExportedDesc = prometheus.NewDesc("syscall_exporter_spans_exported_total",
		"Spans the OTLP receiver accepted.", nil, nil)
	spansDroppedDesc = prometheus.NewDesc("syscall_exporter_spans_dropped_total",
		"Calls that qualified for a span but have none, by reason: rate_limited (--spans.max-per-second), queue_full (the exporter fell behind), export_failed (the receiver did not take them).", []string{"reason"}, nil)
	spansUndecodedDesc = prometheus.NewDesc("syscall_exporter_spans_undecoded_total",
		"Spans whose call's memory was not read or kept, for want of a free capture buffer or of room in the queue's arena: their text shows pointers as addresses.", nil, nil)
)

// spanStatsCollector exposes SpanStats, beside the backend's own health.
type spanStatsCollector struct{ stats *SpanStats }

var _ prometheus.Collector = spanStatsCollector{}

// Describe sends the span metrics' descriptors.
func (s spanStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- spansExportedDesc
	ch <- spansDroppedDesc
	ch <- spansUndecodedDesc
}

// Collect reads the counts now.
func (s spanStatsCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(spansExportedDesc, prometheus.CounterValue, float64(s.stats.Exported.Load()))
	for r := range numDropReasons {
		ch <- prometheus.MustNewConstMetric(spansDroppedDesc, prometheus.CounterValue, float64(s.stats.Dropped[r].Load()), r.String())
	}
	ch <- prometheus.MustNewConstMetric(spansUndecodedDesc, prometheus.CounterValue, float64(s.stats.Undecoded.Load()))
}
