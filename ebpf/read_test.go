package ebpf

import (
	"testing"
	"time"

	cebpf "github.com/cilium/ebpf"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// loadedReader is a started tracer whose maps hold series label ids ×
// 1 syscall, each with a count and a latency bucket, as if the programs
// had counted them.
func loadedReader(t testing.TB, series int) *Tracer {
	t.Helper()
	testprog.RequireBPF(t)
	tr := New(Config{Consumer: &countingConsumer{}, MaxSeries: series, ReadInterval: time.Hour})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.DetachAll() })
	tr.mu.Lock()
	defer tr.mu.Unlock()
	keys := make([]tracerCallKey, series)
	vals := make([]uint64, series)
	bkeys := make([]tracerBucketKey, series)
	bvals := make([]tracerBucketValue, series)
	for i := range keys {
		lid := userLidBase + 1 + uint32(i)
		tr.tab.byLid[lid] = &label{slot: backend.Slot(i)}
		keys[i] = tracerCallKey{Lid: lid, Nr: 39}
		vals[i] = 1
		bkeys[i] = tracerBucketKey{Call: keys[i], Native: -100, Classic: 1}
		bvals[i] = tracerBucketValue{Count: 1, SumNs: 1500}
	}
	if _, err := tr.objs.Calls.BatchUpdate(keys, vals, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.objs.Latency.BatchUpdate(bkeys, bvals, nil); err != nil {
		t.Fatal(err)
	}
	return tr
}

// bump adds one call to every entry, as the programs would.
func bump(t testing.TB, m *cebpf.Map, n int) {
	t.Helper()
	keys := make([]tracerCallKey, n)
	vals := make([]uint64, n)
	var cursor cebpf.MapBatchCursor
	got, _ := m.BatchLookup(&cursor, keys, vals, nil)
	for i := range vals[:got] {
		vals[i]++
	}
	if _, err := m.BatchUpdate(keys[:got], vals[:got], nil); err != nil {
		t.Fatal(err)
	}
}

// Reading the maps costs no allocation per series once every series has
// been seen: 10 000 series read with a handful of allocations.
func TestReadingAllocatesNothingPerSeries(t *testing.T) {
	const series = 10000
	tr := loadedReader(t, series)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.readCounts() // first sight: the deltas are made
	allocs := testing.AllocsPerRun(5, func() {
		bump(t, tr.objs.Calls, series) // outside: the test's own buffers
		tr.readCounts()
	})
	// bump allocates its two buffers and cilium's batch a few; a
	// per-series allocation would show as thousands.
	if allocs > 100 {
		t.Errorf("%.0f allocations per read of %d series", allocs, series)
	}
	start := time.Now()
	tr.readCounts()
	t.Logf("figure: one read of %d series (%d calls + %d latency entries) took %v, %.0f allocations with the test's own", series, series, series, time.Since(start), allocs)
}
