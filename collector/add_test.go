package collector

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// A backend that counts in the kernel hands over deltas; the metrics must
// be exactly those of the same calls handed over one by one.
func TestDeltasCountLikeCalls(t *testing.T) {
	calls := []backend.Call{
		{Arch: syscalls.X86_64, Nr: 257, Entry: 1, Exit: 1 + 2000},
		{Arch: syscalls.X86_64, Nr: 257, Entry: 1, Exit: 1 + 2500}, // on a classic bound
		{Arch: syscalls.X86_64, Nr: 257, Errno: uint16(unix.ENOENT), Ret: -2, Entry: 1, Exit: 1 + 9000},
		{Arch: syscalls.X86_64, Nr: 0, Errno: 512, Entry: 1, Exit: 1 + 50_000}, // restarted: no error, no latency
		{Arch: syscalls.X86_64, Nr: 35, Entry: 1, Exit: 1 + 12e9},              // past the last classic bound
		{Arch: syscalls.X86_64, Nr: 231, Entry: 1},                             // never returns
		{Arch: syscalls.I386, Nr: 3, Entry: 1, Exit: 1 + 700},
	}
	byCall, byDelta := New(Config{}), New(Config{})
	slot := byCall.ThreadStarted(self())
	for i := range calls {
		c := calls[i]
		c.Slot = slot
		feed(byCall, &c)
	}

	slot = byDelta.ThreadStarted(self())
	deltas := map[archNr]*backend.Delta{}
	for _, c := range calls {
		k := archNr{c.Arch, c.Nr}
		d := deltas[k]
		if d == nil {
			d = &backend.Delta{}
			deltas[k] = d
		}
		d.Calls++
		if c.Errno != 0 {
			d.Errors = append(d.Errors, backend.ErrnoCount{Errno: c.Errno, Count: 1})
			if syscalls.IsRestart(c.Errno) {
				continue
			}
		}
		if c.Exit != 0 {
			d.Latency = append(d.Latency, backend.BucketCount{Bucket: backend.BucketOf(c.Duration()), Count: 1})
			d.SumNs += uint64(c.Duration())
		}
	}
	for k, d := range deltas {
		byDelta.Add(slot, k.arch, k.nr, d)
	}

	want, got := byCall.Snapshot(), byDelta.Snapshot()
	sortSeries(want)
	sortSeries(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from deltas:\n%+v\nfrom calls:\n%+v", got, want)
	}
	if len(want) != 4 { // i386 read and x86_64 read are one series
		t.Errorf("%d series, want 4", len(want))
	}
}

func sortSeries(s []Series) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j].Syscall < s[i].Syscall {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}
