package collector

import "github.com/prometheus/client_golang/prometheus"

var (
	spansExportedDesc = prometheus.NewDesc(selfNamespace+"_spans_exported_total",
		"Spans the OTLP receiver accepted.", nil, nil)
	spansDroppedDesc = prometheus.NewDesc(selfNamespace+"_spans_dropped_total",
		"Calls that qualified for a span but have none, by reason: rate_limited (--spans.max-per-second), queue_full (the exporter fell behind), export_failed (the receiver did not take them).", []string{"reason"}, nil)
)

// SpanStatsCollector exposes SpanStats, beside the tracer's own health.
type SpanStatsCollector struct {
	stats *SpanStats
}

var _ prometheus.Collector = (*SpanStatsCollector)(nil)

// NewSpanStatsCollector reads stats at scrape time.
func NewSpanStatsCollector(stats *SpanStats) *SpanStatsCollector {
	return &SpanStatsCollector{stats: stats}
}

func (s *SpanStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- spansExportedDesc
	ch <- spansDroppedDesc
}

func (s *SpanStatsCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(spansExportedDesc, prometheus.CounterValue, float64(s.stats.Exported.Load()))
	for _, r := range DropReasons() {
		ch <- prometheus.MustNewConstMetric(spansDroppedDesc, prometheus.CounterValue, float64(s.stats.Dropped[r].Load()), r.String())
	}
}
