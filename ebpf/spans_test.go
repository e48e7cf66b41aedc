package ebpf_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/ebpf"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"golang.org/x/sys/unix"
)

// spansOf counts the span candidates that start with prefix.
func spansOf(rec *recorder, prefix string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, s := range rec.spans {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// The programs select spans as --spans.* says: failures unless their
// errno is ignored, calls slower than the threshold, and a sample.
func TestSpanSelectionInTheKernel(t *testing.T) {
	prog := testprog.Build(t, "workload")
	args := []string{prog, "-t", "1", "-g", "100", "-e", "7", "-s", "3", "-m", "5", "-f", "0"}
	for _, tc := range []struct {
		name                      string
		sel                       ebpf.SpanSelection
		openats, sleeps, getppids int
	}{
		{"failures", ebpf.SpanSelection{}, 7, 0, 0},
		{"slow", ebpf.SpanSelection{SlowThreshold: 3 * time.Millisecond}, 7, 3, 0},
		{"ignored errno", ebpf.SpanSelection{IgnoreErrno: []uint16{uint16(unix.ENOENT)}}, 0, 0, 0},
		{"sampled all", ebpf.SpanSelection{IgnoreErrno: []uint16{uint16(unix.ENOENT)}, SampleRatio: 1}, 7, 3, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testprog.RequireBPF(t)
			rec := newRecorder()
			tr := ebpf.New(ebpf.Config{Consumer: rec, ReadInterval: 100 * time.Millisecond})
			tr.SelectSpans(tc.sel)
			if err := tr.Start(); err != nil {
				t.Fatal(err)
			}
			defer tr.DetachAll()
			if err := tr.Launch(prog, args, os.Environ()); err != nil {
				t.Fatal(err)
			}
			waitDone(t, tr)
			for _, c := range []struct {
				prefix string
				want   int
			}{{"workload/opener openat", tc.openats}, {"workload/sleeper nanosleep", tc.sleeps}, {"workload/getter-0 getppid", tc.getppids}} {
				if got := spansOf(rec, c.prefix); got != c.want {
					t.Errorf("%s: %d span candidates, want %d", c.prefix, got, c.want)
				}
			}
		})
	}
}
