package collector_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// hotCalls are the shapes of call the tracer hands over on every exit
// stop: successes with a latency, a failure, a kernel restart, a call that
// never returns, and an i386 call on a 64-bit tracer.
func hotCalls(t testing.TB, slot backend.Slot) []backend.Call {
	t.Helper()
	nr := func(arch syscalls.Arch, name string) uint32 {
		n, ok := syscalls.Lookup(arch, name)
		if !ok {
			t.Skipf("no %s on this arch", name)
		}
		return n
	}
	native := syscalls.Native()
	if native == 0 {
		t.Skip("no syscall table for this arch")
	}
	return []backend.Call{
		{Slot: slot, Arch: native, Nr: nr(native, "read"), Ret: 1, Entry: 1000, Exit: 5000},
		{Slot: slot, Arch: native, Nr: nr(native, "getppid"), Ret: 1, Entry: 1000, Exit: 2500},
		{Slot: slot, Arch: native, Nr: nr(native, "openat"), Ret: -int64(unix.ENOENT), Errno: uint16(unix.ENOENT), Entry: 1000, Exit: 30000},
		{Slot: slot, Arch: native, Nr: nr(native, "futex"), Ret: -512, Errno: 512, Entry: 1000, Exit: 1e9},
		{Slot: slot, Arch: native, Nr: nr(native, "exit_group"), Entry: 1000},
		{Slot: slot, Arch: syscalls.I386, Nr: nr(syscalls.I386, "read"), Ret: 1, Entry: 1000, Exit: 4000},
	}
}

func newHotCollector(t testing.TB) (*collector.Collector, []backend.Call) {
	c := collector.New(collector.Config{})
	th := &backend.Thread{TID: int32(unix.Gettid()), PID: int32(os.Getpid()), Process: "app", Name: "worker"}
	calls := hotCalls(t, c.ThreadStarted(th))
	for i := range calls {
		calls[i].Thread = th
	}
	for i := range calls {
		c.SyscallEntered(&calls[i])
		c.SyscallExited(&calls[i]) // the first call of a series allocates its counters
	}
	return c, calls
}

// SyscallEntered and SyscallExited run on the tracer thread at every entry and
// exit stop, while a tracee waits: once a series exists they must not
// allocate.
func TestSyscallDoesNotAllocate(t *testing.T) {
	c, calls := newHotCollector(t)
	for i := range calls {
		s := &calls[i]
		name := syscalls.Name(s.Arch, s.Nr)
		if allocs := testing.AllocsPerRun(1000, func() { c.SyscallEntered(s); c.SyscallExited(s) }); allocs != 0 {
			t.Errorf("SyscallEntered+SyscallExited(%s, errno %d): %v allocations per call, want 0", name, s.Errno, allocs)
		}
	}
	// The calls above were counted: the benchmark measures real work.
	var got uint64
	for _, s := range c.Snapshot() {
		got += s.Calls
	}
	if want := uint64(len(calls) * (1 + 1001)); got != want {
		t.Errorf("%d calls counted, want %d", got, want)
	}
}

func BenchmarkSyscall(b *testing.B) {
	c, calls := newHotCollector(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.SyscallEntered(&calls[i])
		c.SyscallExited(&calls[i])
		if i++; i == len(calls) {
			i = 0
		}
	}
}
