package collector

import (
	"fmt"
	"math"
	"strconv"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// layout is what the duration histogram exposes, and so what each of its
// series costs in the budget.
type layout struct {
	// classic are the exposed classic buckets, as indexes into
	// backend.ClassicBoundsNs; +Inf is always exposed on top.
	classic []int
	native  bool
}

func newLayout(cfg *Config) layout {
	l := layout{native: !cfg.NoNativeHistogram}
	switch {
	case cfg.NoClassicBuckets:
	case cfg.ClassicBuckets == nil:
		for i := range numClassic {
			l.classic = append(l.classic, i)
		}
	default:
		l.classic, _ = classicIndexes(cfg.ClassicBuckets)
	}
	return l
}

// histogramSeries is what one histogram adds to a text scrape: a _bucket
// per classic bucket and +Inf, _sum and _count.
func (l *layout) histogramSeries() int64 { return int64(len(l.classic)) + 3 }

// recordSeries is what a record (label set × syscall) may cost: its call
// counter, its histogram, and the native histogram, which Prometheus
// counts as one more series when it scrapes protobuf and keeps the classic
// buckets too. Errnos are charged apart, as they appear.
func (l *layout) recordSeries() int64 {
	n := 1 + l.histogramSeries()
	if l.native {
		n++
	}
	return n
}

// CheckClassicBuckets says whether bounds (seconds, increasing) are
// classic buckets the collector can expose: each must be one of the
// layout backends sort durations into (backend.ClassicBoundsNs), so that
// a backend counting in the kernel stays exact.
func CheckClassicBuckets(bounds []float64) error {
	_, err := classicIndexes(bounds)
	return err
}

func classicIndexes(bounds []float64) ([]int, error) {
	idx := make([]int, 0, len(bounds))
	for _, b := range bounds {
		i := classicIndex(b)
		if i < 0 {
			return nil, fmt.Errorf("bucket %v is not one of %s", b, ClassicBucketChoices())
		}
		if len(idx) > 0 && i <= idx[len(idx)-1] {
			return nil, fmt.Errorf("buckets must increase: %v after %v", b, float64(backend.ClassicBoundsNs[idx[len(idx)-1]])*1e-9)
		}
		idx = append(idx, i)
	}
	return idx, nil
}

func classicIndex(seconds float64) int {
	for i, ns := range backend.ClassicBoundsNs {
		if math.Abs(seconds*1e9-float64(ns)) < 0.5 {
			return i
		}
	}
	return -1
}

// ClassicBucketChoices lists the bounds a classic bucket may have, in
// seconds, comma-separated.
func ClassicBucketChoices() string {
	s := ""
	for i, ns := range backend.ClassicBoundsNs {
		if i > 0 {
			s += ","
		}
		s += strconv.FormatFloat(float64(ns)/1e9, 'g', -1, 64)
	}
	return s
}
