package ptrace

import "golang.org/x/sys/unix"

// skipExitStop runs at the entry of exit or exit_group. The thread will
// stop once more, at PTRACE_EVENT_EXIT, only to tell what this entry
// already did: that it leaves inside this call. That stop is a round
// trip through the tracer, two context switches (strace -f sets no
// TRACEEXIT and has none); one PTRACE_SETOPTIONS is cheaper, and its
// reaped exit (threadGone) hands the call over instead.
//
// Only where the thread's options are known without TRACEEXIT: an
// attached thread's are baseOptions; a launched one's under our seccomp
// filter add TRACESECCOMP, kept, since the filter may still see this
// call. EXITKILL is dropped with it: the thread is leaving, and one
// attached must never get it. The governor wants the exit stop (it
// reads the process's I/O count there), and a thread being detached
// is left alone.
func (t *Tracer) skipExitStop(th *thread) {
	if t.gov.enabled() || th.detaching {
		return
	}
	opts := baseOptions &^ unix.PTRACE_O_TRACEEXIT
	if t.filtered {
		if !th.seccomp {
			return // launched or attached: not known here
		}
		opts |= unix.PTRACE_O_TRACESECCOMP
	}
	ptraceRaw(unix.PTRACE_SETOPTIONS, th.TID, 0, uintptr(opts))
}
