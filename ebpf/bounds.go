package ebpf

import (
	"github.com/syscall-exporter/syscall_exporter/backend"
)

// The programs sort a latency into buckets by upper bounds in ns
// (inclusive), which are computed here from backend's own functions, so
// that the kernel and the collector put every duration in the same
// bucket: there is no second table to drift.

// numNativeBounds is the number of native bounds the programs search:
// keys NativeMinKey..NativeMaxKey-1; anything above the last is
// NativeMaxKey.
const numNativeBounds = backend.NativeBuckets - 1

// classicBounds are ClassicBoundsNs as the programs take them.
func classicBounds() (b [backend.NumClassic]uint64) {
	for i, ns := range backend.ClassicBoundsNs {
		b[i] = uint64(ns)
	}
	return b
}

// nativeBounds holds, for each key k from NativeMinKey, the largest ns
// that NativeKey puts at or below k: found by bisection on NativeKey
// itself, so the float rounding at each edge is the collector's.
func nativeBounds() (b [numNativeBounds]uint64) {
	for i := range b {
		key := backend.NativeMinKey + i
		lo, hi := int64(0), int64(1)<<46 // hi: far above 2^15 s
		if backend.NativeKey(lo) > key {
			b[i] = 0 // nothing at or below key but 0 itself
			continue
		}
		for lo+1 < hi { // invariant: NativeKey(lo) <= key < NativeKey(hi)
			mid := lo + (hi-lo)/2
			if backend.NativeKey(mid) <= key {
				lo = mid
			} else {
				hi = mid
			}
		}
		b[i] = uint64(lo)
	}
	return b
}
