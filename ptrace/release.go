package ptrace

import (
	"os"
	"strconv"
	"time"
)

// Releasing every tracee at once: the tracer thread ends, and the kernel
// detaches each tracee (exit_ptrace), stopped or running, as when a
// tracer dies. PTRACE_INTERRUPT then PTRACE_DETACH needs every tracee to
// be scheduled and stop first: with 200 busy threads on two CPUs that took
// up to a second, in rounds of the scheduler. The kernel's way takes no
// time, and it interrupts no blocked call (PTRACE_INTERRUPT makes some,
// like epoll_wait, fail with EINTR). Its effect is that of a SIGKILLed
// exporter, which the fault suite checks: a stop not yet reaped resumes as
// if continued, its pending signal delivered; a group-stopped thread stays
// stopped, as it would untraced. The tracer resumes every stop it reaps at
// once, so it holds none when it ends.

// canRelease says whether ending the thread lets the tracees go unharmed.
// Not when a tracee must die with us (a launched command and its children
// carry EXITKILL, and some run under our seccomp filter, whose traced
// calls fail with ENOSYS untraced), and not on the process's main thread,
// which the Go runtime never ends.
func (t *Tracer) canRelease() bool {
	return t.launchPid == 0 && t.tid != int32(os.Getpid())
}

// release forgets every tracee; the loop then ends, and with it the
// thread (run never unlocks it).
func (t *Tracer) release() {
	t.releasing = true
	for _, th := range t.threads {
		t.dropThread(th)
	}
	// The doorbell dies with this thread (Pdeathsig). Reaping it here
	// would wait until it is scheduled to die; another thread reaps it.
	go reap(t.killDoorbell())
}

// closeDone tells Done waiters that the tracer has stopped: after a
// release, only once the thread is gone, so the kernel has detached the
// tracees by then.
func (t *Tracer) closeDone() {
	if !t.releasing {
		close(t.done)
		return
	}
	go func(task string) {
		for {
			if _, err := os.Stat(task); err != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		close(t.done)
	}("/proc/self/task/" + strconv.Itoa(int(t.tid)))
}
