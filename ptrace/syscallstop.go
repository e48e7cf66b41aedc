package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// selection is Config.Filter resolved per arch, for the stop path.
type selection struct {
	on   bool
	bits [syscalls.NumIndexes]syscalls.Bitmap
}

func newSelection(f *syscalls.Filter) selection {
	s := selection{on: true}
	for _, arch := range syscalls.Arches {
		s.bits[arch.Index()] = f.Bitmap(arch)
	}
	s.bits[syscalls.NumIndexes-1] = f.Bitmap(0)
	return s
}

// wanted reports whether the consumer wants th's call.
func (s *selection) wanted(th *thread) bool {
	return th.counting && (!s.on || s.bits[th.arch.Index()].Has(th.nr))
}

// syscallStop handles a syscall-entry, syscall-exit or seccomp stop: it
// notes the call at its entry and hands it to the consumer.
func (t *Tracer) syscallStop(th *thread, now int64) {
	info := &t.scratch.info
	if t.useRegs {
		if !t.regsInfo(th, info) {
			return
		}
	} else if getSyscallInfo(th.TID, info) != nil {
		return
	}
	switch info.Op {
	case syscallInfoEntry, syscallInfoSeccomp:
		th.inSyscall = true
		th.arch = syscalls.Arch(info.Arch)
		th.nr = uint32(info.Data[0])
		copy(th.args[:], info.Data[1:7])
		th.entryNs = now
		if th.interrupted.n != 0 {
			t.reentered(th, info.SP)
		}
		if w := &watched[th.arch.Index()]; w.isExec(th.nr) {
			th.counting, th.proc.counting = true, true
			t.noteExecName(th, w)
		} else if w.isExit(th.nr) {
			t.skipExitStop(th)
		}
		if t.sel.wanted(th) {
			c := &t.scratch.call
			c.Thread, c.Arch, c.Nr, c.Args = &th.Thread, th.arch, th.nr, th.args
			c.Ret, c.Errno, c.Entry, c.Exit, c.Slot, c.Details = 0, 0, now, 0, th.slot, nil
			t.cfg.Consumer.SyscallEntered(c)
			t.captureEntry(th, c)
		}
	case syscallInfoExit:
		if !th.inSyscall {
			// The first stop after attaching to a thread inside a syscall.
			return
		}
		th.inSyscall = false
		rval := int64(info.Data[0])
		failed := info.Data[1]&0xff != 0 && isErrno(rval)
		if watched[th.arch.Index()].isSigreturn(th.nr) {
			// It returns the interrupted frame's restored register, not an
			// error of its own.
			failed = false
			if th.interrupted.n != 0 {
				t.sigreturned(th, info.SP, rval)
			}
		}
		if !t.sel.wanted(th) {
			if !failed {
				t.afterSuccess(th, rval)
			}
			return
		}
		c := &t.scratch.call
		c.Thread, c.Arch, c.Nr, c.Args = &th.Thread, th.arch, th.nr, th.args
		c.Ret, c.Entry, c.Exit, c.Slot = rval, th.entryNs, now, th.slot
		c.Errno = 0
		if failed {
			c.Errno = uint16(-rval)
		}
		c.Details = nil // a held call is told later, from its registers alone
		if syscalls.IsRestart(c.Errno) {
			th.ring.add(c)         // as strace shows it at this stop: = ? ERESTARTSYS
			t.hold(th, c, info.SP) // what the program sees is told later
			return
		}
		c.Details = t.detailsAt(th)
		t.cfg.Consumer.SyscallExited(c)
		t.detailsDone(th)
		th.ring.add(c)
		if c.Errno == 0 {
			t.afterSuccess(th, rval)
		}
	}
}

// flushPending hands over a call that will never see its exit stop
// (exit, exit_group, a thread killed or detached inside a call): it was
// entered, so it counts, like strace -c.
func (t *Tracer) flushPending(th *thread) {
	if !th.inSyscall {
		return
	}
	th.inSyscall = false
	if !t.sel.wanted(th) {
		return
	}
	c := &t.scratch.call
	c.Thread, c.Arch, c.Nr, c.Args = &th.Thread, th.arch, th.nr, th.args
	c.Ret, c.Errno, c.Entry, c.Exit, c.Slot = 0, 0, th.entryNs, 0, th.slot
	c.Details = t.detailsAt(th)
	t.cfg.Consumer.SyscallExited(c)
	t.detailsDone(th)
	th.ring.add(c)
}

// resume lets th run on to its next stop, passing sig.
func (t *Tracer) resume(th *thread, sig int) {
	resume := resumeSyscall
	// Under our seccomp filter, the filter stops th at its next traced
	// call; the governor is not asked then.
	if th.seccomp && !th.inSyscall {
		resume = resumeCont
	} else if t.gov.untraced(th) {
		resume = resumeCont
		t.releaseInterrupted(th) // its sigreturn will not be seen
	}
	if err := resume(th.TID, sig); err != nil && err != unix.ESRCH {
		t.log.Debug("resume failed", "tid", th.TID, "err", err)
	}
	// ESRCH: the tracee died meanwhile; wait4 reports it.
}

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
	if t.gov.needsExitStops() || th.detaching {
		return
	}
	opts := baseOptions &^ unix.PTRACE_O_TRACEEXIT
	if t.sel.on {
		if !th.seccomp {
			return // launched or attached: not known here
		}
		opts |= unix.PTRACE_O_TRACESECCOMP
	}
	ptraceRaw(unix.PTRACE_SETOPTIONS, th.TID, 0, uintptr(opts))
}
