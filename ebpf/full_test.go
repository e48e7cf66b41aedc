package ebpf

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// countingConsumer adds up the calls it is handed.
type countingConsumer struct{ calls uint64 }

func (c *countingConsumer) ThreadStarted(*backend.Thread) backend.Slot               { return 0 }
func (c *countingConsumer) ThreadRenamed(*backend.Thread, backend.Slot) backend.Slot { return 0 }
func (c *countingConsumer) ThreadExited(*backend.Thread, backend.Slot)               {}
func (c *countingConsumer) SyscallEntered(*backend.Call)                             {}
func (c *countingConsumer) SyscallExited(*backend.Call)                              {}
func (c *countingConsumer) SpanCandidate(*backend.Call)                              {}
func (c *countingConsumer) Add(_ backend.Slot, _ syscalls.Arch, _ uint32, d *backend.Delta) {
	c.calls += d.Calls
}

// Maps too small for what is traced stay bounded: what does not fit is
// counted, and said once.
func TestFullMapsCountWhatTheyLose(t *testing.T) {
	testprog.RequireBPF(t)
	saved := minMapEntries
	minMapEntries = 16
	t.Cleanup(func() { minMapEntries = saved })
	var logs bytes.Buffer
	cons := &countingConsumer{}
	tr := New(Config{Consumer: cons, MaxSeries: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil)), ReadInterval: time.Hour})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	prog := testprog.Build(t, "workload")
	if err := tr.Launch(prog, []string{prog, "-t", "8", "-g", "20", "-e", "1", "-s", "5", "-m", "100", "-f", "5"}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	// Read before any thread exits frees its entries: the launch makes
	// more (label id, syscall) pairs than 16 by far.
	time.Sleep(200 * time.Millisecond)
	tr.Sync()
	ks := tr.KernelStats()
	<-tr.Done()
	lost := ks.Lost["calls_map_full"]
	if lost == 0 {
		t.Fatalf("nothing lost with 16 entries: %+v", ks)
	}
	for _, m := range ks.Maps {
		if m.Entries > m.Capacity || m.Capacity != 16 {
			t.Errorf("map %s: %d entries of %d, want at most 16 of 16", m.Name, m.Entries, m.Capacity)
		}
	}
	if n := strings.Count(logs.String(), "reason=calls_map_full"); n != 1 {
		t.Errorf("said %d times that the calls map is full, want once:\n%s", n, logs.String())
	}
	t.Logf("%d calls counted, %d lost", cons.calls, lost)
}
