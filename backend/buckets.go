package backend

import "math"

// The latency buckets every backend observes into, so that a duration
// lands in the same bucket whether the collector or the kernel sorted it.

// ClassicBoundsNs are the classic histogram's bucket upper bounds
// (inclusive), 1 µs to 10 s.
var ClassicBoundsNs = [...]int64{
	1e3, 2.5e3, 5e3,
	1e4, 2.5e4, 5e4,
	1e5, 2.5e5, 5e5,
	1e6, 2.5e6, 5e6,
	1e7, 2.5e7, 5e7,
	1e8, 2.5e8, 5e8,
	1e9, 2.5e9, 5e9,
	1e10,
}

// NumClassic is the number of classic buckets; a Bucket's Classic index
// NumClassic is the +Inf bucket.
const NumClassic = len(ClassicBoundsNs)

// The native histogram: schema 3 (bucket factor 2^(1/8) ≈ 1.09, the
// closest to client_golang's recommended 1.1). Key k holds
// (2^((k-1)/8), 2^(k/8)] seconds. Keys cover about 1 ns to 9 hours;
// anything outside is clamped to the edges.
const (
	NativeSchema  = 3
	NativeMinKey  = -240 // 2^-30 s ≈ 0.93 ns
	NativeMaxKey  = 120  // 2^15 s ≈ 9.1 h
	NativeBuckets = NativeMaxKey - NativeMinKey + 1
)

// NativeZeroThreshold is the upper bound of the zero bucket; nothing a
// tracer can time falls in it.
var NativeZeroThreshold = math.Exp2(float64(NativeMinKey-1) / (1 << NativeSchema))

// nativeFracBounds are the mantissa bounds within one power of two, as
// client_golang computes them: 2^(i/8)/2 for i in 0..7.
var nativeFracBounds = func() (b [1 << NativeSchema]float64) {
	for i := range b {
		b[i] = math.Exp2(float64(i)/(1<<NativeSchema)) / 2
	}
	return b
}()

// Bucket is where one duration falls in both histograms.
type Bucket struct {
	Native  int16 // native key, NativeMinKey..NativeMaxKey
	Classic uint8 // index into ClassicBoundsNs; NumClassic for +Inf
}

// BucketOf sorts a duration in nanoseconds; negative ones count as 0.
func BucketOf(ns int64) Bucket {
	return Bucket{Native: int16(NativeKey(ns)), Classic: uint8(ClassicIndex(ns))}
}

// ClassicIndex is the classic bucket of ns: the first bound at or above
// it, or NumClassic past the last.
func ClassicIndex(ns int64) int {
	i := 0
	for i < NumClassic && ns > ClassicBoundsNs[i] {
		i++
	}
	return i
}

// NativeKey is the native bucket key of ns, as client_golang computes it.
func NativeKey(ns int64) int {
	if ns <= 0 {
		return NativeMinKey
	}
	frac, exp := math.Frexp(float64(ns) * 1e-9)
	i := 0
	for i < len(nativeFracBounds) && nativeFracBounds[i] < frac {
		i++
	}
	k := i + (exp-1)*len(nativeFracBounds)
	if k < NativeMinKey {
		return NativeMinKey
	}
	if k > NativeMaxKey {
		return NativeMaxKey
	}
	return k
}
