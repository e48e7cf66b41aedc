package ptrace

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// The ring keeps the last calls, oldest first, across wrap-arounds.
func TestCallRingKeepsTheLast(t *testing.T) {
	r := callRing{calls: make([]rawCall, 3)}
	if got := r.recent(); len(got) != 0 {
		t.Fatalf("empty ring: %v", got)
	}
	for nr := uint32(1); nr <= 7; nr++ {
		r.add(&backend.Call{Nr: nr, Entry: int64(nr)})
		got := r.recent()
		if want := min(int(nr), 3); len(got) != want || got[len(got)-1].Nr != nr || got[0].Nr != nr+1-uint32(want) {
			t.Fatalf("after %d calls: %v", nr, got)
		}
	}
	var off callRing
	off.add(&backend.Call{Nr: 1}) // no ring: nothing, no panic
	if len(off.recent()) != 0 {
		t.Error("a ring that is off recorded")
	}
}

// BenchmarkCallRingAdd is what --flight-recorder adds to an exit stop.
func BenchmarkCallRingAdd(b *testing.B) {
	r := callRing{calls: make([]rawCall, 16)}
	c := &backend.Call{Nr: 1, Args: [6]uint64{1, 2, 3, 4, 5, 6}, Ret: 3, Entry: 1, Exit: 2}
	b.ReportAllocs()
	for b.Loop() {
		r.add(c)
	}
}
