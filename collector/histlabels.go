package collector

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// The histogram may keep fewer labels than the counters
// (--metrics.histogram.labels, e.g. process and syscall without thread):
// the records of every label set that agrees on the kept labels then
// expose one histogram together. Each record still times its own calls
// (the summary reads them per thread); the budget charges the histogram
// once, when the first record of its kept labels is made, and gives it
// back when the last one expires.

// histKeep is which labels the histogram keeps.
type histKeep struct {
	idx    []int // indexes into labelNames of the kept labels, in order
	shared bool  // fewer than the counters': histograms are shared

	mu     sync.Mutex
	combos map[string]*histCombo // by kept label values and syscall name
}

// histCombo is one exposed histogram of shared records: what the budget
// charged for it, and how many records share it.
type histCombo struct {
	key  string
	refs int
	cost int64
}

func (h *histKeep) init(labelNames, keep []string) {
	h.combos = map[string]*histCombo{}
	for i, name := range labelNames {
		if keep == nil || slices.Contains(keep, name) {
			h.idx = append(h.idx, i)
		}
	}
	h.shared = len(h.idx) < len(labelNames)
}

// names are the histogram's label names, syscall last.
func (h *histKeep) names(labelNames []string) []string {
	out := make([]string, 0, len(h.idx)+1)
	for _, i := range h.idx {
		out = append(out, labelNames[i])
	}
	return append(out, "syscall")
}

// values are the kept ones of a label set's values, and the syscall.
func (h *histKeep) values(values []string, syscall string) []string {
	out := make([]string, 0, len(h.idx)+1)
	for _, i := range h.idx {
		out = append(out, values[i])
	}
	return append(out, syscall)
}

// newRecord makes a record of set for a syscall if the budget allows: its
// counter, and its histogram unless one of the same kept labels exists.
// It returns nil when the budget does not.
func (c *Collector) newRecord(s *labelSet, arch archNr, name string, folded bool) *syscallStats {
	h := &c.hist
	if c.series.limited() && neverReturns(name) {
		if !c.series.take(1, folded, &s.cap) {
			return nil
		}
		return &syscallStats{arch: arch.arch, nr: arch.nr, owner: &s.cap, noHist: true}
	}
	if !h.shared || !c.series.limited() {
		if !c.series.take(c.series.record, folded, &s.cap) {
			return nil
		}
		return &syscallStats{arch: arch.arch, nr: arch.nr, owner: &s.cap}
	}
	key := joinKey(h.values(s.values, name))
	h.mu.Lock()
	defer h.mu.Unlock()
	combo := h.combos[key]
	histCost := c.series.record - 1
	if combo != nil {
		histCost = 0
	}
	if !c.series.take(1+histCost, folded, nil) {
		return nil
	}
	s.cap.series.Add(1)
	if combo == nil {
		combo = &histCombo{key: key, cost: histCost}
		h.combos[key] = combo
	}
	combo.refs++
	return &syscallStats{arch: arch.arch, nr: arch.nr, owner: &s.cap, combo: combo}
}

// pinCombo makes the catch-all's histogram, whose cost is reserved, and
// keeps it for good.
func (c *Collector) pinCombo(st *syscallStats, values []string) {
	h := &c.hist
	if !h.shared {
		return
	}
	key := joinKey(h.values(values, otherValue))
	st.combo = &histCombo{key: key, refs: 1}
	h.combos[key] = st.combo
}

// releaseCombos gives back the histograms that only an expired set's
// records shared.
func (c *Collector) releaseCombos(set *labelSet) {
	h := &c.hist
	if !h.shared {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	set.each(func(st *syscallStats) {
		if st.combo == nil || st.owner != &set.cap {
			return
		}
		if st.combo.refs--; st.combo.refs == 0 {
			delete(h.combos, st.combo.key)
			c.series.used.Add(-st.combo.cost)
		}
	})
}

// sharedHistogram is one exposed histogram: the sum of its records'.
type sharedHistogram struct {
	labels []string
	h      HistogramSnapshot
	ex     *Exemplars
}

// collectHistograms sends the histograms of series, one per kept labels
// and syscall, and returns how many it sent.
func (c *Collector) collectHistograms(ch chan<- prometheus.Metric, series []Series) int64 {
	var n int64
	send := func(labels []string, h *HistogramSnapshot, ex *Exemplars) {
		ch <- &histogramMetric{desc: c.durationDesc, labels: prometheus.MakeLabelPairs(c.durationDesc, labels), h: h, ex: ex, layout: &c.layout}
		n++
	}
	if !c.hist.shared {
		for i := range series {
			s := &series[i]
			if s.Duration.Count > 0 {
				send(append(s.Labels[:len(s.Labels):len(s.Labels)], s.Syscall), &s.Duration, s.Exemplars)
			}
		}
		return n
	}
	byKey := map[string]*sharedHistogram{}
	var order []*sharedHistogram
	for i := range series {
		s := &series[i]
		if s.Duration.Count == 0 {
			continue
		}
		values := c.hist.values(s.Labels, s.Syscall)
		key := joinKey(values)
		sh := byKey[key]
		if sh == nil {
			sh = &sharedHistogram{labels: values}
			byKey[key] = sh
			order = append(order, sh)
		}
		sh.h.Add(&s.Duration)
		if s.Exemplars != nil {
			if sh.ex == nil {
				sh.ex = new(Exemplars)
			}
			sh.ex.addDuration(s.Exemplars)
		}
	}
	for _, sh := range order {
		send(sh.labels, &sh.h, sh.ex)
	}
	return n
}
