package ptrace

import (
	"slices"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// dumpsCore tells the signals whose default action dumps core (signal(7)).
func dumpsCore(sig unix.Signal) bool {
	switch sig {
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGABRT, unix.SIGFPE, unix.SIGILL,
		unix.SIGSYS, unix.SIGQUIT, unix.SIGTRAP, unix.SIGXCPU, unix.SIGXFSZ:
		return true
	}
	return false
}

// noteSignal runs at a signal-delivery stop: a signal that may kill th
// with a core dump is remembered, so that a crash names the thread it hit.
func noteSignal(th *thread, sig int) {
	if dumpsCore(unix.Signal(sig)) {
		th.lastCoreSignal = unix.Signal(sig)
	}
}

// noteDeath runs when wait4 reports th killed by sig, before it is
// dropped. The first thread of a process reported killed by a signal that
// dumps core reports the crash, with every thread of the process still
// known: the others die of the same signal after it.
func (t *Tracer) noteDeath(th *thread, sig unix.Signal) {
	p := th.proc
	if !dumpsCore(sig) || p.crashed {
		return
	}
	p.crashed = true
	if t.cfg.Crashes == nil {
		return
	}
	c := &backend.Crash{PID: p.pid, Process: th.Process, Signal: sig, TID: th.TID, Time: monoNow()}
	for _, o := range t.tab.byTID {
		if o.proc == p {
			if o.lastCoreSignal == sig && th.lastCoreSignal != sig {
				c.TID = o.TID
			}
			c.Threads = append(c.Threads, recentOf(o))
		}
	}
	slices.SortFunc(c.Threads, func(a, b backend.RecentCalls) int {
		switch {
		case a.Thread.TID == c.TID:
			return -1
		case b.Thread.TID == c.TID:
			return 1
		}
		return int(a.Thread.TID - b.Thread.TID)
	})
	if leader := t.tab.byTID[p.pid]; leader != nil {
		c.Process = leader.Process
	}
	t.cfg.Crashes.ProcessCrashed(c)
}
