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

// Native buckets are kept in chunks, each allocated the first time a
// duration falls in it: the layout spans 1 ns to 9 h, a syscall's
// latencies a few octaves (docs/series-budget.md).
const (
	nativeChunkLen = 32
	nativeChunks   = (nativeBuckets + nativeChunkLen - 1) / nativeChunkLen
)

type nativeChunk [nativeChunkLen]atomic.Uint64

// histogram is written by the tracer thread and read by scrapes; every
// field is atomic, so neither side waits for the other. The count is the
// native buckets' sum, read at scrape time: one atomic add per call less
// on the tracer thread.
type histogram struct {
	sumNs   atomic.Uint64
	classic [numClassic + 1]atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	native  [nativeChunks]atomic.Pointer[nativeChunk]
}

func (h *histogram) observe(ns int64) {
	if ns < 0 {
		ns = 0
	}
	h.classic[backend.ClassicIndex(ns)].Add(1)
	h.nativeAdd(backend.NativeKey(ns), 1)
	h.sumNs.Add(uint64(ns))
}

// nativeAdd counts n in the native bucket of key; a chunk's first count
// allocates it.
func (h *histogram) nativeAdd(key int, n uint64) {
	i := key - nativeMinKey
	chunk := h.native[i/nativeChunkLen].Load()
	if chunk == nil {
		chunk = new(nativeChunk)
		h.native[i/nativeChunkLen].Store(chunk)
	}
	chunk[i%nativeChunkLen].Add(n)
}

// add counts n durations that fell into bucket b; their sum is added
// apart.
func (h *histogram) add(b backend.Bucket, n uint64) {
	h.classic[min(int(b.Classic), numClassic)].Add(n)
	h.nativeAdd(min(max(int(b.Native), nativeMinKey), nativeMaxKey), n)
}

// HistogramSnapshot is a histogram read at one moment. Its native
// buckets are chunked as the histogram's are, so that a scrape copies
// only the chunks in use.
type HistogramSnapshot struct {
	Count   uint64
	SumNs   uint64
	Classic [numClassic + 1]uint64 // per bucket of backend.ClassicBoundsNs, not cumulative; the last is +Inf
	native  [nativeChunks]*[nativeChunkLen]uint64
}

// Native is the count of native bucket i (key i + NativeMinKey).
func (s *HistogramSnapshot) Native(i int) uint64 {
	if c := s.native[i/nativeChunkLen]; c != nil {
		return c[i%nativeChunkLen]
	}
	return 0
}

// eachNative calls f with every non-empty native bucket, by index, in
// order.
func (s *HistogramSnapshot) eachNative(f func(i int, n uint64)) {
	for c, chunk := range s.native {
		if chunk == nil {
			continue
		}
		for j, n := range chunk {
			if n != 0 {
				f(c*nativeChunkLen+j, n)
			}
		}
	}
}

func (h *histogram) snapshot(s *HistogramSnapshot) {
	s.SumNs = h.sumNs.Load()
	for i := range h.classic {
		s.Classic[i] = h.classic[i].Load()
	}
	s.Count = 0
	s.native = [nativeChunks]*[nativeChunkLen]uint64{}
	for c := range h.native {
		chunk := h.native[c].Load()
		if chunk == nil {
			continue
		}
		out := new([nativeChunkLen]uint64)
		for j := range chunk {
			out[j] = chunk[j].Load()
			s.Count += out[j]
		}
		s.native[c] = out
	}
}

// Add adds o's counts to s.
func (s *HistogramSnapshot) Add(o *HistogramSnapshot) {
	s.Count += o.Count
	s.SumNs += o.SumNs
	for i := range s.Classic {
		s.Classic[i] += o.Classic[i]
	}
	for c, chunk := range o.native {
		if chunk == nil {
			continue
		}
		if s.native[c] == nil {
			s.native[c] = new([nativeChunkLen]uint64)
		}
		for j, n := range chunk {
			s.native[c][j] += n
		}
	}
}

// Quantile estimates the q-quantile in seconds from the native buckets,
// interpolating within a bucket as Prometheus does (exponentially).
func (s *HistogramSnapshot) Quantile(q float64) float64 {
	var total uint64
	s.eachNative(func(_ int, n uint64) { total += n })
	if total == 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	var seen uint64
	result := math.NaN()
	s.eachNative(func(i int, n uint64) {
		if !math.IsNaN(result) {
			return
		}
		if float64(seen+n) >= rank {
			k := i + nativeMinKey
			lower := math.Exp2(float64(k-1) / (1 << nativeSchema))
			upper := math.Exp2(float64(k) / (1 << nativeSchema))
			f := (rank - float64(seen)) / float64(n)
			result = lower * math.Pow(upper/lower, f)
		}
		seen += n
	})
	if math.IsNaN(result) {
		return math.Exp2(float64(nativeMaxKey) / (1 << nativeSchema))
	}
	return result
}
