package backend

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// Call is one system call, handed to a Consumer on the backend's thread. It
// is a plain value so that handing it over never allocates.
type Call struct {
	// Thread is the thread that made the call, with its names at the time
	// the Consumer is called. It belongs to the backend: read it only on
	// the call.
	Thread *Thread
	Arch   syscalls.Arch
	Nr     uint32
	Args   [6]uint64
	// ArgsUnread says the backend did not read the argument registers
	// (ebpf): Args are zero, and a span carries neither them nor a text.
	ArgsUnread bool
	Ret        int64  // raw return value; for failures, -errno
	Errno      uint16 // 0 on success
	// Entry and Exit are the monotonic times (Now) of the call's entry and
	// exit. Exit is 0 for a call that never returned (exit, exit_group, a
	// thread killed or detached inside it) and while it is in flight.
	Entry, Exit int64
	Slot        Slot
	// Details, if set (at exit stops, by a backend that reads memory),
	// reads the call's arguments for a span; nil elsewhere.
	Details Details
}

// Duration is the time from entry to exit in nanoseconds, or 0 if the call
// never returned.
func (c *Call) Duration() int64 {
	if c.Exit == 0 {
		return 0
	}
	return c.Exit - c.Entry
}
