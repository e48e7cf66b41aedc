package collector

import (
	"math"
	"sync/atomic"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// The bucket layout is backend's, so that the kernel can sort durations
// into the same buckets.
const (
	nativeSchema  = backend.NativeSchema
	nativeMinKey  = backend.NativeMinKey
	nativeMaxKey  = backend.NativeMaxKey
	nativeBuckets = backend.NativeBuckets
	numClassic    = backend.NumClassic
)

// histogram is written by the tracer thread and read by scrapes; every
// field is atomic, so neither side waits for the other. The count is the
// native buckets' sum, read at scrape time: one atomic add per call less
// on the tracer thread.
type histogram struct {
	sumNs   atomic.Uint64
	classic [numClassic]atomic.Uint64 // per bucket, not cumulative
	native  [nativeBuckets]atomic.Uint64
}

func (h *histogram) observe(ns int64) {
	if ns < 0 {
		ns = 0
	}
	if i := backend.ClassicIndex(ns); i < numClassic {
		h.classic[i].Add(1)
	}
	h.native[backend.NativeKey(ns)-nativeMinKey].Add(1)
	h.sumNs.Add(uint64(ns))
}

// add counts n durations that fell into bucket b; their sum is added
// apart.
func (h *histogram) add(b backend.Bucket, n uint64) {
	if int(b.Classic) < numClassic {
		h.classic[b.Classic].Add(n)
	}
	k := min(max(int(b.Native), nativeMinKey), nativeMaxKey)
	h.native[k-nativeMinKey].Add(n)
}

// HistogramSnapshot is a histogram read at one moment.
type HistogramSnapshot struct {
	Count   uint64
	SumNs   uint64
	Classic [numClassic]uint64    // per bucket, not cumulative
	Native  [nativeBuckets]uint64 // index = key - nativeMinKey
}

func (h *histogram) snapshot(s *HistogramSnapshot) {
	s.SumNs = h.sumNs.Load()
	for i := range h.classic {
		s.Classic[i] = h.classic[i].Load()
	}
	s.Count = 0
	for i := range h.native {
		s.Native[i] = h.native[i].Load()
		s.Count += s.Native[i]
	}
}

// Add adds o's counts to s.
func (s *HistogramSnapshot) Add(o *HistogramSnapshot) {
	s.Count += o.Count
	s.SumNs += o.SumNs
	for i := range s.Classic {
		s.Classic[i] += o.Classic[i]
	}
	for i := range s.Native {
		s.Native[i] += o.Native[i]
	}
}

// Quantile estimates the q-quantile in seconds from the native buckets,
// interpolating within a bucket as Prometheus does (exponentially).
func (s *HistogramSnapshot) Quantile(q float64) float64 {
	var total uint64
	for _, n := range s.Native {
		total += n
	}
	if total == 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	var seen uint64
	for i, n := range s.Native {
		if n == 0 {
			continue
		}
		if float64(seen+n) >= rank {
			k := i + nativeMinKey
			lower := math.Exp2(float64(k-1) / (1 << nativeSchema))
			upper := math.Exp2(float64(k) / (1 << nativeSchema))
			f := (rank - float64(seen)) / float64(n)
			return lower * math.Pow(upper/lower, f)
		}
		seen += n
	}
	return math.Exp2(float64(nativeMaxKey) / (1 << nativeSchema))
}
