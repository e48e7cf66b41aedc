package ptrace

import (
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// detachGiveUp bounds how long a detach waits for the tracees to stop.
const detachGiveUp = 5 * time.Second

// detachState is DetachAll's progress.
type detachState struct {
	active    bool // DetachAll asked; every tracee is let go at its next stop
	start     time.Time
	releasing bool // ending the thread detaches the tracees (release)
}

// overdue says whether the detach has waited long enough for tracees that
// never stop again (gone without a trace).
func (d *detachState) overdue() bool { return time.Since(d.start) > detachGiveUp }

// startDetach interrupts every tracee; each then stops once more and
// detachStopped lets it go. Threads inside a blocking call are interrupted
// too; the kernel restarts their call once they run untraced.
func (t *Tracer) startDetach() {
	if t.detach.active {
		return
	}
	t.detach.active = true
	t.detach.start = time.Now()
	if t.canRelease() {
		t.release()
		return
	}
	// finished gives up on threads that never stop again (gone without a
	// trace), but it is asked only when wait4 returns: wake the loop then.
	time.AfterFunc(detachGiveUp+time.Millisecond, t.bell.ring)
	for tid, th := range t.tab.byTID {
		th.detaching = true
		if err := interrupt(tid); err == unix.ESRCH {
			// Already dead, or exiting; wait4 reports it.
			continue
		}
	}
}

// detachStopped lets th go at its stop, handing on a signal it stopped
// for, and follows a child it announced until that child stops too.
func (t *Tracer) detachStopped(th *thread, sig, event int) {
	pass := 0
	switch {
	case sig == syscallTrap:
	case isNewChildEvent(event):
		// The new child is traced already; wait for its first stop too.
		if msg, err := eventMsg(th.TID); err == nil && t.tab.byTID[int32(msg)] == nil {
			t.newThread(int32(msg), th, originOf(event))
		}
	case event != 0:
	default:
		pass = sig // a signal-delivery-stop: hand the signal on
	}
	if err := detach(th.TID, pass); err != nil && err != unix.ESRCH {
		t.log.Debug("detach failed", "tid", th.TID, "err", err)
	}
	t.dropThread(th)
}

// Releasing every tracee at once: the tracer thread ends, and the kernel
// detaches each tracee (exit_ptrace), stopped or running, as when a
// tracer dies. Interrupting and detaching each needs every tracee to be
// scheduled and stop first, which takes rounds of the scheduler with many
// busy threads (docs/performance.md, "Detach"); the kernel's way takes no
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
	return t.cmd.pid == 0 && t.tid != int32(os.Getpid())
}

// release forgets every tracee; the loop then ends, and with it the
// thread (run never unlocks it).
func (t *Tracer) release() {
	t.detach.releasing = true
	for _, th := range t.tab.byTID {
		t.dropThread(th)
	}
	// The doorbell dies with this thread (Pdeathsig). Reaping it here
	// would wait until it is scheduled to die; another thread reaps it.
	go reap(t.bell.kill())
}

// closeDone tells Done waiters that the tracer has stopped: after a
// release, only once the thread is gone, so the kernel has detached the
// tracees by then.
func (t *Tracer) closeDone() {
	if !t.detach.releasing {
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
