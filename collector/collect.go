package collector

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// Describe sends the descriptors of every traced-data metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.callsDesc
	ch <- c.errorsDesc
	ch <- c.durationDesc
	c.describeCap(ch)
}

// Collect builds const metrics from a snapshot, and says how many series
// of them a text scrape shows.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	series := c.Snapshot()
	var exposed int64
	for i := range series {
		s := &series[i]
		lv := append(s.Labels[:len(s.Labels):len(s.Labels)], s.Syscall)
		ch <- prometheus.MustNewConstMetric(c.callsDesc, prometheus.CounterValue, float64(s.Calls), lv...)
		for _, e := range s.Errors {
			ch <- withErrnoExemplar(prometheus.MustNewConstMetric(c.errorsDesc, prometheus.CounterValue, float64(e.Count), append(lv[:len(lv):len(lv)], e.Name)...), s.Exemplars, e.Errno)
		}
		exposed += 1 + int64(len(s.Errors))
	}
	exposed += c.collectHistograms(ch, series) * c.layout.histogramSeries()
	c.collectCap(ch, exposed)
}

// histogramMetric exposes classic buckets and a native histogram at once,
// which client_golang's const histograms cannot.
type histogramMetric struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	h      *HistogramSnapshot
	ex     *Exemplars
	layout *layout
}

// Desc is the histogram's descriptor.
func (m *histogramMetric) Desc() *prometheus.Desc { return m.desc }

// Write fills in the classic and native buckets and their exemplars.
func (m *histogramMetric) Write(out *dto.Metric) error {
	h := m.h
	hist := &dto.Histogram{
		SampleCount: proto.Uint64(h.Count),
		SampleSum:   proto.Float64(float64(h.SumNs) * 1e-9),
	}
	// Classic buckets: the layout's are a subset of backend's, each the
	// sum of backend's up to its bound.
	var cumulative uint64
	next := 0
	buckets := make([]dto.Bucket, len(m.layout.classic))
	hist.Bucket = make([]*dto.Bucket, len(m.layout.classic))
	for j, i := range m.layout.classic {
		for ; next <= i; next++ {
			cumulative += h.Classic[next]
		}
		buckets[j] = dto.Bucket{CumulativeCount: proto.Uint64(cumulative), UpperBound: proto.Float64(float64(backend.ClassicBoundsNs[i]) * 1e-9)}
		hist.Bucket[j] = &buckets[j]
	}
	if m.layout.native {
		m.writeNative(hist)
	}
	m.ex.addToHistogram(hist, m.layout)
	out.Label = m.labels
	out.Histogram = hist
	return nil
}

// writeNative adds the native histogram: schema, zero bucket, and spans of
// consecutive non-empty buckets, whose deltas run across spans.
func (m *histogramMetric) writeNative(hist *dto.Histogram) {
	h := m.h
	hist.Schema = proto.Int32(nativeSchema)
	hist.ZeroThreshold = proto.Float64(backend.NativeZeroThreshold)
	hist.ZeroCount = proto.Uint64(0)
	var prevCount int64
	lastKey := 0
	h.eachNative(func(i int, n uint64) {
		key := i + nativeMinKey
		if len(hist.PositiveSpan) == 0 || key != lastKey {
			offset := key - lastKey
			if len(hist.PositiveSpan) == 0 {
				offset = key
			}
			hist.PositiveSpan = append(hist.PositiveSpan, &dto.BucketSpan{Offset: proto.Int32(int32(offset)), Length: proto.Uint32(0)})
		}
		span := hist.PositiveSpan[len(hist.PositiveSpan)-1]
		*span.Length++
		hist.PositiveDelta = append(hist.PositiveDelta, int64(n)-prevCount)
		prevCount = int64(n)
		lastKey = key + 1
	})
}
