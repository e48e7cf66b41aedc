package ebpf_test

import (
	"math"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// nativeUpperNs is the upper bound of native bucket key k, in nanoseconds.
func nativeUpperNs(k int16) float64 {
	return math.Exp2(float64(k)/(1<<backend.NativeSchema)) * 1e9
}

// Latencies are the kernel's own, with no tracer round trip: a 5 ms
// nanosleep lands in the native buckets that hold 5 to 6 ms, and a getppid
// takes microseconds, where under ptrace it reads tens of them.
func TestLatencyIsTheKernels(t *testing.T) {
	prog := testprog.Build(t, "workload")
	tr, rec := startTracer(t, nil)
	const sleeps, getppids = 20, 20000
	if err := tr.Launch(prog, []string{prog, "-t", "1", "-g", "20000", "-e", "0", "-s", "20", "-m", "5", "-f", "0"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	lo, hi := int16(backend.NativeKey(5e6)), int16(backend.NativeKey(6e6))
	// None can be shorter; a busy machine wakes some late, so more than
	// half (the median) must be within 6 ms.
	var n, late uint64
	for _, b := range rec.buckets["workload/sleeper nanosleep"] {
		n += b.Count
		switch {
		case b.Bucket.Native < lo:
			t.Errorf("%d nanosleep(5 ms) in the native bucket up to %v, shorter than they slept", b.Count, time.Duration(nativeUpperNs(b.Bucket.Native)))
		case b.Bucket.Native > hi:
			late += b.Count
			t.Logf("%d nanosleep(5 ms) woke late, in the bucket up to %v", b.Count, time.Duration(nativeUpperNs(b.Bucket.Native)))
		}
	}
	if n != sleeps {
		t.Errorf("%d nanosleeps timed, want %d", n, sleeps)
	}
	if late*2 >= n {
		t.Errorf("%d of %d nanosleep(5 ms) above %v, want fewer than half", late, n, time.Duration(nativeUpperNs(hi)))
	}

	counts := map[int16]uint64{}
	var total uint64
	for _, b := range rec.buckets["workload/getter-0 getppid"] {
		counts[b.Bucket.Native] += b.Count
		total += b.Count
	}
	if total != getppids {
		t.Fatalf("%d getppids timed, want %d", total, getppids)
	}
	keys := make([]int16, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var seen uint64
	for _, k := range keys {
		seen += counts[k]
		if seen*100 >= total*99 {
			p99 := time.Duration(nativeUpperNs(k))
			t.Logf("getppid p99 at most %v (%d calls)", p99, total)
			if p99 >= 20*time.Microsecond {
				t.Errorf("getppid p99 up to %v, want under 20µs", p99)
			}
			break
		}
	}
}
