package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/proc"
)

// afterSuccess notices renames the thread made: prctl(PR_SET_NAME), or a
// write to a .../comm file it opened. Both are rare; the checks are
// integer compares on every other call.
func (t *Tracer) afterSuccess(th *thread, rval int64) {
	w := &watched[th.arch.Index()]
	switch th.nr {
	case w.prctl:
		if th.args[0] == unix.PR_SET_NAME {
			t.renamed(th.TID, th.proc)
		}
	case w.open, w.openat, w.openat2:
		var flags uint64
		switch th.nr {
		case w.open:
			flags = th.args[1]
		case w.openat:
			flags = th.args[2]
		default:
			// openat2's flags live in a struct in the tracee's memory,
			// which we do not read; check the descriptor instead.
			flags = unix.O_WRONLY
		}
		if flags&unix.O_ACCMODE == unix.O_RDONLY {
			return
		}
		target, ok := t.commFDTarget(th.TID, rval)
		if !ok {
			return
		}
		if th.proc.commFDs == nil {
			th.proc.commFDs = make(map[int32]int32)
		}
		th.proc.commFDs[int32(rval)] = target
	case w.write, w.pwrite64, w.writev:
		if len(th.proc.commFDs) == 0 {
			return
		}
		if target, ok := th.proc.commFDs[int32(th.args[0])]; ok {
			if tt := t.tab.byTID[target]; tt != nil {
				t.renamed(target, tt.proc)
			}
		}
	case w.close:
		if len(th.proc.commFDs) != 0 {
			delete(th.proc.commFDs, int32(th.args[0]))
		}
	}
}

// renamed re-reads the names of a renamed thread. The process's name is
// its leader's, so a renamed leader renames every thread of its process.
func (t *Tracer) renamed(tid int32, p *process) {
	if tid != p.pid {
		if th := t.tab.byTID[tid]; th != nil {
			t.readNames(th)
			th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
			th.moveInterrupted()
		}
		return
	}
	for _, th := range t.tab.byTID {
		if th.proc == p {
			t.readNames(th)
			th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
			th.moveInterrupted()
		}
	}
}

// commFDTarget tells whether descriptor fd of tid is open on a comm file,
// and whose.
func (t *Tracer) commFDTarget(tid int32, fd int64) (int32, bool) {
	target, ok := t.fs.FDTarget(tid, fd)
	if !ok {
		return 0, false
	}
	return proc.CommFileThread(target)
}
