package collector

import (
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// The series budget (--metrics.max-series). It counts series as
// Prometheus does when it scrapes the text format: every classic bucket
// with +Inf, _sum and _count, each call counter, each errno's counter;
// and one more per native histogram, which Prometheus counts when it
// scrapes protobuf and keeps the classic buckets too (where it keeps only
// the native one, the budget counts 3 series it does not store). Thread
// names and TIDs are the targets' to choose; the budget keeps their
// number, the exporter's memory and what a pod costs Prometheus ours.
//
// A record (label set × syscall) reserves its counter and histogram when
// it is made (exit and exit_group, which never return, only the counter);
// an errno's counter is charged at its first error. Past the
// budget, less a tenth kept for what folding needs, a thread that needs a
// new label set is counted in its process's thread="other" set (pid="other"
// too), and a label set that makes a syscall for the first time counts it
// as syscall="other". Those may use the tenth. Past that too, everything
// new goes to one set with every label "other", and the errors that get no
// series to errno="other" there, both reserved from the start. No call or
// error is ever lost: sums over the labels stay exact.

var (
	seriesDesc = prometheus.NewDesc(selfNamespace+"_series",
		"Series of syscall_* metrics this scrape exposes, counted as Prometheus counts them in the text format (each bucket, _sum, _count, counter); --metrics.max-series caps them.", nil, nil)
	seriesLimitDesc = prometheus.NewDesc(selfNamespace+"_series_limit",
		"--metrics.max-series: the most series of syscall_* metrics a scrape may expose, counting one more per native histogram (0: no limit).", nil, nil)
	seriesDroppedDesc = prometheus.NewDesc(selfNamespace+"_series_dropped_total",
		`Series not made because --metrics.max-series was reached: each thread counted under thread="other" instead of a label set of its own, each syscall a label set counted as syscall="other", each errno counted as errno="other".`, nil, nil)
)

// otherNr marks the syscall="other" record of a label set.
const otherNr = ^uint32(0)

const otherValue = "other"

// seriesCap is the collector-wide budget. The tracer thread takes from
// it; scrapes give back what expired label sets held.
type seriesCap struct {
	max     int64 // 0: no limit
	reserve int64 // kept for folded sets and syscall="other" records
	record  int64 // what a record reserves
	used    atomic.Int64
	dropped atomic.Uint64
}

func (b *seriesCap) init(maxSeries, record int64) {
	b.max, b.record = maxSeries, record
	if b.limited() {
		// The catch-all record and its errno="other" are reserved from
		// the start, so that what folds always has somewhere to go; a
		// budget smaller than they are is raised to them.
		b.max = max(b.max, record+1)
		b.reserve = max(b.max/10, record)
		b.used.Store(record + 1)
	}
}

func (b *seriesCap) limited() bool { return b.max > 0 }

// take reserves n series for a set, or reports that the budget is spent.
// folded takes may use the reserve.
func (b *seriesCap) take(n int64, folded bool, owner *setCap) bool {
	if !b.limited() {
		return true
	}
	limit := b.max - b.reserve
	if folded {
		limit = b.max
	}
	for {
		used := b.used.Load()
		if used+n > limit {
			b.dropped.Add(1)
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			if owner != nil {
				owner.series.Add(n)
			}
			return true
		}
	}
}

// room says whether n more series fit, without taking them.
func (b *seriesCap) room(n int64, folded bool) bool {
	limit := b.max - b.reserve
	if folded {
		limit = b.max
	}
	return b.used.Load()+n <= limit
}

// setCap is a label set's share of the budget.
type setCap struct {
	folded bool // thread="other": may use the reserve
	series atomic.Int64
	other  atomic.Pointer[syscallStats] // syscall="other", made when first needed
}

// newStats makes the record of a syscall the set has not made before; past
// the budget it hands out the set's syscall="other" record instead, or the
// catch-all, which callers store in the same place, so later calls find
// it at once.
func (c *Collector) newStats(s *labelSet, arch syscalls.Arch, nr uint32) *syscallStats {
	if st := c.newRecord(s, archNr{arch, nr}, syscalls.Name(arch, nr), s.cap.folded); st != nil {
		return st
	}
	if st := s.cap.other.Load(); st != nil {
		return st
	}
	st := c.newRecord(s, archNr{arch, otherNr}, otherValue, true)
	if st == nil {
		return c.catchAll
	}
	s.cap.other.Store(st)
	return st
}

// neverReturns are the calls that end their thread or process: their
// records reserve no histogram, which would never be shown.
func neverReturns(name string) bool { return name == "exit" || name == "exit_group" }

// histogramOf is where a record's latencies go: its own histogram, or, for
// a call that was expected never to return, the catch-all's, whose
// series are reserved, so that the budget holds whatever comes.
func (c *Collector) histogramOf(st *syscallStats) *histogram {
	if st.noHist {
		return &c.catchAll.duration
	}
	return &st.duration
}

// makeCatchAll makes the label set with every label "other" and its
// syscall="other" record, whose cost seriesCap.init reserved. The set
// holds a thread of its own, so it never expires.
func (c *Collector) makeCatchAll() {
	values := make([]string, len(c.labelNames))
	for i := range values {
		values[i] = otherValue
	}
	key := joinKey(values)
	set := c.newLabelSet(values, key)
	set.threads.Store(1)
	set.cap.series.Store(c.series.used.Load())
	c.catchAll = &syscallStats{nr: otherNr, owner: &set.cap}
	c.pinCombo(c.catchAll, values)
	c.catchAll.errnos.Store(new(errnoCounts))
	c.catchAll.errnos.Load().counter(0)
	set.cap.other.Store(c.catchAll)
	c.byKey[key] = backend.Slot(len(c.sets))
	c.sets = append(c.sets, set)
}

// name is the syscall label of a record.
func (st *syscallStats) name() string {
	if st.nr == otherNr {
		return otherValue
	}
	return syscalls.Name(st.arch, st.nr)
}

// fold returns the label values a new label set gets: its own while the
// budget has room for a record, else thread="other" (and pid="other") of
// its process, else all "other". Callers hold c.mu.
func (c *Collector) fold(values []string, key string) ([]string, string) {
	if !c.series.limited() {
		return values, key
	}
	live := int64(len(c.sets) - len(c.free))
	if c.series.room(c.series.record, false) && live < c.series.max {
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
		if _, ok := c.byKey[k]; ok || c.series.room(c.series.record, true) {
			return folded, k
		}
	}
	for i := range folded {
		folded[i] = otherValue
	}
	return folded, joinKey(folded)
}

// newLabelSet makes the set for values; folded sets (their last label is
// "other") may use the budget's reserve.
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
	ch <- seriesLimitDesc
	ch <- seriesDroppedDesc
}

func (c *Collector) collectCap(ch chan<- prometheus.Metric, exposed int64) {
	ch <- prometheus.MustNewConstMetric(seriesDesc, prometheus.GaugeValue, float64(exposed))
	ch <- prometheus.MustNewConstMetric(seriesLimitDesc, prometheus.GaugeValue, float64(c.series.max))
	ch <- prometheus.MustNewConstMetric(seriesDroppedDesc, prometheus.CounterValue, float64(c.series.dropped.Load()))
}
