package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/proc"
)

// origin is how the tracer came to follow a thread, which decides what it
// must ask /proc about it.
type origin int

const (
	found    origin = iota // attached, or its first stop came before its creator's event
	forked                 // a fork or vfork event: a new process, its own leader
	cloned                 // a clone event: mostly a thread of its creator's process
	launched               // our own child, seized before it ran
)

func originOf(event int) origin {
	if event == unix.PTRACE_EVENT_CLONE {
		return cloned
	}
	return forked
}

// statusOf is what newThread needs to know of tid. /proc/TID/status has it
// all, but the kernel formats some fifty lines for it: 25 µs of every fork
// of a traced shell (perf). A thread announced by an event is mostly known
// without it.
func (t *Tracer) statusOf(tid int32, maker *thread, how origin) (proc.Status, error) {
	switch how {
	case launched:
		return proc.Status{Tgid: tid, TracerPid: t.tid}, nil
	case forked:
		if !ourTracee(tid) {
			return proc.Status{}, unix.ESRCH
		}
		return proc.Status{Tgid: tid, TracerPid: t.tid}, nil
	case cloned:
		// A clone without CLONE_THREAD makes a process; that, and a thread
		// gone already, take the slow way.
		if t.fs.HasTask(maker.proc.pid, tid) {
			return proc.Status{Tgid: maker.proc.pid, TracerPid: t.tid}, nil
		}
	}
	return t.fs.Status(tid)
}

// ourTracee tells whether tid is a tracee of the calling thread that
// wait4 has not reaped yet, without reaping it or taking its stop.
func ourTracee(tid int32) bool {
	var info unix.Siginfo
	return unix.Waitid(unix.P_PID, int(tid), &info, unix.WNOHANG|unix.WNOWAIT|unix.WEXITED|unix.WSTOPPED|unix.WALL|unix.WNOTHREAD, nil) == nil
}
