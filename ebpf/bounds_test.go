package ebpf

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// bucketOf sorts ns as the programs do (tracer.bpf.c: classic_index,
// native_key), from the same bounds.
func bucketOf(classic []uint64, native []uint64, ns uint64) backend.Bucket {
	c := 0
	for c < len(classic) && ns > classic[c] {
		c++
	}
	lo, hi := 0, len(native)
	for lo < hi {
		mid := (lo + hi) / 2
		if ns <= native[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return backend.Bucket{Native: int16(backend.NativeMinKey + lo), Classic: uint8(c)}
}

// Every bound, and one past it, lands where the collector puts it: the
// bounds are inclusive on both sides.
func TestBucketEdges(t *testing.T) {
	classic, native := classicBounds(), nativeBounds()
	var probes []uint64
	for _, b := range classic {
		probes = append(probes, b-1, b, b+1)
	}
	for _, b := range native {
		probes = append(probes, b, b+1)
		if b > 0 {
			probes = append(probes, b-1)
		}
	}
	probes = append(probes, 0, 1, 1<<45, 1<<62)
	for _, ns := range probes {
		got, want := bucketOf(classic[:], native[:], ns), backend.BucketOf(int64(ns))
		if ns >= 1<<62 {
			want = backend.BucketOf(1 << 62)
		}
		if got != want {
			t.Errorf("%d ns: programs sort it into %+v, the collector into %+v", ns, got, want)
		}
	}
	if classic[0] != 1000 {
		t.Errorf("first classic bound %d ns, want 1 µs inclusive", classic[0])
	}
}
