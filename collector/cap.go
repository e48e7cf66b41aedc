package collector

import (
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// The cardinality cap (--metrics.max-series). A series here is one label
// set × one syscall: the unit the collector allocates (a histogram and
// counters, a few KiB), each exported as calls, errors and histogram
// buckets. Thread names and TIDs are chosen by the targets, so without a
// cap their number, and the exporter's memory, would be theirs to choose.
//
// Past the cap, a thread that needs a new label set is counted in its
// process's thread="other" set (pid="other" too), and a label set that
// makes a syscall for the first time counts it as syscall="other". The
// thread="other" sets get a tenth of the cap on top, so that what is
// folded into them still shows its syscalls; past that too, everything
// new goes to one set with every label "other". No call is ever lost:
// sums over the labels stay exact.

var (
	seriesDesc = prometheus.NewDesc(selfNamespace+"_series",
		"Series (label set × syscall) held now; --metrics.max-series caps them.", nil, nil)
	seriesDroppedDesc = prometheus.NewDesc(selfNamespace+"_series_dropped_total",
		`Series not made because --metrics.max-series was reached: each thread counted under thread="other" instead of a label set of its own, and each syscall a label set counted as syscall="other".`, nil, nil)
)

// otherNr marks the syscall="other" record of a label set.
const otherNr = ^uint32(0)

const otherValue = "other"

// seriesCap is the collector-wide budget. Only the tracer thread takes
// from it; scrapes give back what expired label sets held.
type seriesCap struct {
	max     int64 // 0: no limit
	used    atomic.Int64
	dropped atomic.Uint64
}

func (b *seriesCap) limited() bool { return b.max > 0 }

// take reserves one series, or reports that the cap is reached. Sets of
// folded threads may use the headroom above it.
func (b *seriesCap) take(folded bool) bool {
	if !b.limited() {
		return true
	}
	limit := b.max
	if folded {
		limit += b.headroom()
	}
	if b.used.Load() >= limit {
		b.dropped.Add(1)
		return false
	}
	b.used.Add(1)
	return true
}

func (b *seriesCap) headroom() int64 { return b.max/10 + 1 }

// setCap is a label set's share of the cap.
type setCap struct {
	folded bool // thread="other": may use the headroom
	series atomic.Int64
	other  atomic.Pointer[syscallStats] // syscall="other", made when first needed
}

// newStats makes the record of a syscall the set has not made before; past
// the cap it hands out the set's syscall="other" record instead, which
// callers store in the same place, so later calls find it at once.
func (c *Collector) newStats(s *labelSet, arch syscalls.Arch, nr uint32) *syscallStats {
	if c.series.take(s.cap.folded) {
		s.cap.series.Add(1)
		return &syscallStats{arch: arch, nr: nr}
	}
	if st := s.cap.other.Load(); st != nil {
		return st
	}
	st := &syscallStats{arch: arch, nr: otherNr}
	s.cap.other.Store(st)
	return st
}

// name is the syscall label of a record.
func (st *syscallStats) name() string {
	if st.nr == otherNr {
		return otherValue
	}
	return syscalls.Name(st.arch, st.nr)
}

// fold returns the label values a new label set gets: its own while the
// cap allows, else thread="other" (and pid="other") of its process, else
// all "other". Callers hold c.mu.
func (c *Collector) fold(values []string, key string) ([]string, string) {
	if !c.series.limited() {
		return values, key
	}
	live := int64(len(c.sets) - len(c.free))
	if c.series.used.Load() < c.series.max && live < c.series.max {
		return values, key
	}
	c.series.dropped.Add(1)
	folded := make([]string, len(values))
	folded[0] = values[0]
	for i := 1; i < len(folded); i++ {
		folded[i] = otherValue
	}
	if !slices.Equal(folded, values) {
		k := joinKey(folded)
		if _, ok := c.byKey[k]; ok || c.series.used.Load() < c.series.max+c.series.headroom() {
			return folded, k
		}
	}
	for i := range folded {
		folded[i] = otherValue
	}
	return folded, joinKey(folded)
}

// newLabelSet makes the set for values; folded sets (their last label is
// "other") may use the cap's headroom.
func (c *Collector) newLabelSet(values []string, key string) *labelSet {
	set := &labelSet{values: values, key: key}
	set.cap.folded = c.series.limited() && values[len(values)-1] == otherValue
	return set
}

// released gives back the series of an expired label set.
func (c *Collector) released(set *labelSet) {
	c.series.used.Add(-set.cap.series.Load())
}

func (c *Collector) describeCap(ch chan<- *prometheus.Desc) {
	ch <- seriesDesc
	ch <- seriesDroppedDesc
}

func (c *Collector) collectCap(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(seriesDesc, prometheus.GaugeValue, float64(c.series.used.Load()))
	ch <- prometheus.MustNewConstMetric(seriesDroppedDesc, prometheus.CounterValue, float64(c.series.dropped.Load()))
}
