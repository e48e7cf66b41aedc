package collector

import (
	"math"
	"sync/atomic"
)

// classicBoundsNs are the classic bucket upper bounds, 1 µs to 10 s.
var classicBoundsNs = [...]int64{
	1e3, 2.5e3, 5e3,
	1e4, 2.5e4, 5e4,
	1e5, 2.5e5, 5e5,
	1e6, 2.5e6, 5e6,
	1e7, 2.5e7, 5e7,
	1e8, 2.5e8, 5e8,
	1e9, 2.5e9, 5e9,
	1e10,
}

// Native histogram: schema 3 (bucket factor 2^(1/8) ≈ 1.09, the closest to
// client_golang's recommended 1.1). Bucket key k holds (2^((k-1)/8), 2^(k/8)]
// seconds. Keys cover about 1 ns to 9 hours in a fixed dense array so that
// observing never allocates; anything outside is clamped to the edges.
const (
	nativeSchema  = 3
	nativeMinKey  = -240 // 2^-30 s ≈ 0.93 ns
	nativeMaxKey  = 120  // 2^15 s ≈ 9.1 h
	nativeBuckets = nativeMaxKey - nativeMinKey + 1
)

// nativeZeroThreshold is the upper bound of the zero bucket; nothing a
// tracer can time falls in it.
var nativeZeroThreshold = math.Exp2(float64(nativeMinKey-1) / (1 << nativeSchema))

// nativeFracBounds are the mantissa bounds within one power of two, as
// client_golang computes them: 2^(i/8)/2 for i in 0..7.
var nativeFracBounds = func() (b [1 << nativeSchema]float64) {
	for i := range b {
		b[i] = math.Exp2(float64(i)/(1<<nativeSchema)) / 2
	}
	return b
}()

// histogram is written by the tracer thread and read by scrapes; every
// field is atomic, so neither side waits for the other. The count is the
// native buckets' sum, read at scrape time: one atomic add per call less
// on the tracer thread.
type histogram struct {
	sumNs   atomic.Uint64
	classic [len(classicBoundsNs)]atomic.Uint64 // per bucket, not cumulative
	native  [nativeBuckets]atomic.Uint64
}

func (h *histogram) observe(ns int64) {
	if ns < 0 {
		ns = 0
	}
	i := 0
	for i < len(classicBoundsNs) && ns > classicBoundsNs[i] {
		i++
	}
	if i < len(classicBoundsNs) {
		h.classic[i].Add(1)
	}
	h.native[nativeKey(ns)-nativeMinKey].Add(1)
	h.sumNs.Add(uint64(ns))
}

func nativeKey(ns int64) int {
	if ns <= 0 {
		return nativeMinKey
	}
	frac, exp := math.Frexp(float64(ns) * 1e-9)
	i := 0
	for i < len(nativeFracBounds) && nativeFracBounds[i] < frac {
		i++
	}
	k := i + (exp-1)*len(nativeFracBounds)
	if k < nativeMinKey {
		return nativeMinKey
	}
	if k > nativeMaxKey {
		return nativeMaxKey
	}
	return k
}

// HistogramSnapshot is a histogram read at one moment.
type HistogramSnapshot struct {
	Count   uint64
	SumNs   uint64
	Classic [len(classicBoundsNs)]uint64 // per bucket, not cumulative
	Native  [nativeBuckets]uint64        // index = key - nativeMinKey
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

func (s *HistogramSnapshot) add(o *HistogramSnapshot) {
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
