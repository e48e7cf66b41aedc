package ptrace

// Syscall is one completed system call, handed to a Consumer on the tracer
// thread. It is a plain value so that handing it over never allocates.
type Syscall struct {
	TID   int32 // thread that made the call
	PID   int32 // its thread-group leader
	Arch  uint32
	Nr    uint32
	Args  [6]uint64
	Ret   int64  // raw return value; for failures, -errno
	Errno uint16 // 0 on success
	// Entry and Exit are CLOCK_MONOTONIC nanoseconds of the entry and exit
	// stops. Exit is 0 for calls that never return (exit, exit_group).
	Entry, Exit int64
	// Slot is the consumer's own handle for the thread, returned by
	// ThreadStarted or ThreadRenamed; the tracer only carries it.
	Slot uint32
}

// Duration is the time between the entry and exit stops, or 0 if the call
// never returned.
func (s *Syscall) Duration() int64 {
	if s.Exit == 0 {
		return 0
	}
	return s.Exit - s.Entry
}

// Thread identifies a traced thread to a Consumer.
type Thread struct {
	TID, PID int32
	// Inherited: a traced thread made this one (clone, fork, vfork), which
	// has that thread's name (the kernel copies it); FromSlot is that
	// thread's slot. Only ThreadStarted sees it set.
	Inherited bool
	FromSlot  uint32
	// Name, when not empty, is the thread's name as the tracer knows it,
	// and the thread leads its process (TID == PID): after execve, the
	// program's, from the path it was exec'd by; a launched command's,
	// which it took before it stopped. Otherwise the consumer reads names
	// from /proc. ThreadStarted sees it set for a launched command only.
	Name string
}

// Consumer receives what the tracer sees. Every method runs on the tracer
// thread between two ptrace requests, while a tracee waits: implementations
// must not block, do I/O on the network, or take locks a scrape can hold
// for long.
type Consumer interface {
	// ThreadStarted is called once for each thread the tracer starts to
	// follow, and again after exec or a rename (see ThreadRenamed). The
	// returned slot is stored and echoed back in every Syscall of the thread.
	ThreadStarted(t Thread) uint32
	// ThreadRenamed is called when the thread's name may have changed
	// (prctl(PR_SET_NAME), a write to /proc/.../comm, execve). It returns the
	// new slot.
	ThreadRenamed(t Thread, slot uint32) uint32
	// ThreadExited is called when a thread is gone or detached.
	ThreadExited(t Thread, slot uint32)
	// SyscallEntered is called at every entry stop, with Exit 0: calls
	// count when they are entered, like the kernel's sys_enter, so a call
	// blocked for hours already counts.
	SyscallEntered(s *Syscall)
	// Syscall is called when an entered call completes, or when it never
	// will (exit, exit_group, a thread killed or detached inside it: then
	// Exit is 0).
	Syscall(s *Syscall)
}
