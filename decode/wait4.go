package decode

import "strconv"

// wait4(pid, status, options, rusage): the status as strace spells it,
// [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], the rusage abbreviated.

var wait4Options = xlat{
	{1, "WNOHANG"}, {4, "WEXITED"}, {2, "WSTOPPED"}, {8, "WCONTINUED"}, {0x01000000, "WNOWAIT"},
	{0x80000000, "__WCLONE"}, {0x40000000, "__WALL"}, {0x20000000, "__WNOTHREAD"},
}

var ptraceEvents = xlat{
	{1, "PTRACE_EVENT_FORK"}, {2, "PTRACE_EVENT_VFORK"}, {3, "PTRACE_EVENT_CLONE"}, {4, "PTRACE_EVENT_EXEC"},
	{5, "PTRACE_EVENT_VFORK_DONE"}, {6, "PTRACE_EVENT_EXIT"}, {7, "PTRACE_EVENT_SECCOMP"},
	{128, "PTRACE_EVENT_STOP"}, {8, "PTRACE_EVENT_MIGRATE"},
}

func rusageSize(ws int) int { return 18 * ws }

func capWait4(cp *Capture, _ bool) {
	c := cp.call
	if !cp.structs() || c.Exit == 0 || c.Errno != 0 || c.Ret == 0 {
		return
	}
	cp.readExact(argKey(1), cp.arg(1), 4)
	cp.readExact(argKey(3), cp.arg(3), rusageSize(cp.wordsize()))
}

// waitStatus is strace's printstatus.
func (f *formatter) waitStatus(st uint32) {
	f.s("[")
	switch {
	case st&0xff == 0x7f: // WIFSTOPPED
		sig := st >> 8 & 0xff
		f.s("{WIFSTOPPED(s) && WSTOPSIG(s) == ")
		f.s(SignalName(int(sig & 0x7f)))
		if sig&0x80 != 0 {
			f.s(" | 0x80")
		}
		f.s("}")
		st &^= sig<<8 | 0x7f
	case st&0x7f != 0 && st&0x7f != 0x7f: // WIFSIGNALED
		f.s("{WIFSIGNALED(s) && WTERMSIG(s) == ")
		f.s(SignalName(int(st & 0x7f)))
		if st&0x80 != 0 {
			f.s(" && WCOREDUMP(s)")
		}
		f.s("}")
		st &^= 0xff
	case st&0x7f == 0: // WIFEXITED
		f.s("{WIFEXITED(s) && WEXITSTATUS(s) == ")
		f.s(strconv.Itoa(int(st >> 8 & 0xff)))
		f.s("}")
		st &^= 0xff00
	case st == 0xffff: // WIFCONTINUED
		f.s("{WIFCONTINUED(s)}")
		st = 0
	default:
		f.x(uint64(st))
		f.s("]")
		return
	}
	if st != 0 {
		if event := st >> 16; event != 0 {
			f.s("|")
			f.xval(ptraceEvents, uint64(event), "PTRACE_EVENT_???")
			f.s("<<16")
			st &= 0xffff
		}
		if st != 0 {
			f.s("|")
			f.x(uint64(st))
		}
	}
	f.s("]")
}

func (f *formatter) timeval(b []byte) {
	sec, usec := f.timespecAt(b)
	f.s("{tv_sec=")
	f.d(sec)
	f.s(", tv_usec=")
	f.u(usec)
	f.s("}")
}

func fmtWait4(f *formatter) {
	f.int(0)
	f.sep()
	if b := f.out(argKey(1)); f.c.Ret != 0 && b != nil {
		f.waitStatus(le32(b))
	} else {
		f.ptr(1)
	}
	f.sep()
	f.flags(wait4Options, uint64(uint32(f.arg(2))), "W???")
	f.sep()
	if b := f.out(argKey(3)); f.c.Ret > 0 && b != nil {
		f.s("{ru_utime=")
		f.timeval(b)
		f.s(", ru_stime=")
		f.timeval(b[2*f.ws:])
		f.s(", ...}")
	} else {
		f.ptr(3)
	}
}
