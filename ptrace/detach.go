package ptrace

import (
	"time"

	"golang.org/x/sys/unix"
)

// detachGiveUp bounds how long a detach waits for the tracees to stop.
const detachGiveUp = 5 * time.Second

// startDetach interrupts every tracee; each then stops once more and
// detachStopped lets it go. Threads inside a blocking call are interrupted
// too; the kernel restarts their call once they run untraced.
func (t *Tracer) startDetach() {
	if t.detaching {
		return
	}
	t.detaching = true
	t.detachStart = time.Now()
	if t.canRelease() {
		t.release()
		return
	}
	// finished gives up on threads that never stop again (gone without a
	// trace), but it is asked only when wait4 returns: wake the loop then.
	time.AfterFunc(detachGiveUp+time.Millisecond, t.ring)
	for tid, th := range t.threads {
		th.detaching = true
		if err := interrupt(tid); err == unix.ESRCH {
			// Already dead, or exiting; wait4 reports it.
			continue
		}
	}
}

func (t *Tracer) detachStopped(th *thread, sig, event int) {
	pass := 0
	switch {
	case sig == int(unix.SIGTRAP)|0x80:
	case event == unix.PTRACE_EVENT_CLONE || event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK:
		// The new child is traced already; wait for its first stop too.
		if msg, err := eventMsg(th.TID); err == nil && t.threads[int32(msg)] == nil {
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
