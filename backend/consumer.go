package backend

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// Consumer receives what a backend sees: the collector. Every method runs
// on the backend's own thread, while (for ptrace) a tracee waits:
// implementations must not block, do I/O, or take locks a scrape can hold
// for long.
type Consumer interface {
	// ThreadStarted is called once for each thread the backend starts to
	// follow. The returned slot goes with every later call of the thread.
	ThreadStarted(t *Thread) Slot
	// ThreadRenamed is called when the thread's names may have changed
	// (prctl(PR_SET_NAME), a write to /proc/.../comm, execve, a renamed
	// leader). It returns the thread's new slot; old is released.
	ThreadRenamed(t *Thread, old Slot) Slot
	// ThreadExited is called when a thread is gone or no longer followed.
	ThreadExited(t *Thread, slot Slot)

	// SyscallEntered counts a call at its entry, like the kernel's
	// sys_enter: a call blocked for hours already counts.
	SyscallEntered(c *Call)
	// SyscallExited records how an entered call ended: its errno, its
	// latency, and whether it becomes a span. It is also called for a call
	// that never will return (exit, exit_group, a thread killed or
	// detached inside it), with Exit 0. A call a signal interrupted comes
	// later, once its thread shows what the program saw: EINTR (Exit the
	// time of the interrupting exit), or a restart code for a call that
	// was restarted or whose outcome is unknown, which is no error.
	SyscallExited(c *Call)

	// Add is for backends that count in the kernel (ebpf): it adds what a
	// thread's syscall did since the backend last read it. A Delta holds
	// the same facts SyscallEntered and SyscallExited would have given.
	Add(slot Slot, arch syscalls.Arch, nr uint32, d *Delta)
	// SpanCandidate offers a call that such a backend selected in the
	// kernel by the span policy; it is already counted by Add.
	SpanCandidate(c *Call)
}

// Delta is what one (thread, syscall) did between two reads of an
// aggregating backend.
type Delta struct {
	Calls uint64 // entered
	// Errors by errno, restart codes (ERESTARTSYS…) already left out; an
	// interrupted call that returned EINTR to the program counts EINTR.
	Errors []ErrnoCount
	// Latency of the calls that returned, in the layout of Buckets.
	Latency []BucketCount
	SumNs   uint64 // their summed latency
}

// ErrnoCount is how many calls failed with one errno.
type ErrnoCount struct {
	Errno uint16
	Count uint64
}

// BucketCount is how many returned calls fell into one bucket.
type BucketCount struct {
	Bucket Bucket
	Count  uint64
}
