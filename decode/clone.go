package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// clone(flags, stack, parent_tid, child_tid|tls, tls|child_tid) in each
// arch's argument order, and clone3(args, size) with its struct
// clone_args (strace's clone.c). The parent_tid the kernel writes prints
// at exit: parent_tid=[1234].

var cloneFlags = xlat{
	{0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"}, {0x800, "CLONE_SIGHAND"},
	{0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"}, {0x4000, "CLONE_VFORK"}, {0x8000, "CLONE_PARENT"},
	{0x10000, "CLONE_THREAD"}, {0x20000, "CLONE_NEWNS"}, {0x40000, "CLONE_SYSVSEM"}, {0x80000, "CLONE_SETTLS"},
	{0x100000, "CLONE_PARENT_SETTID"}, {0x200000, "CLONE_CHILD_CLEARTID"}, {0x800000, "CLONE_UNTRACED"},
	{0x1000000, "CLONE_CHILD_SETTID"}, {0x2000000, "CLONE_NEWCGROUP"}, {0x4000000, "CLONE_NEWUTS"},
	{0x8000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"}, {0x20000000, "CLONE_NEWPID"},
	{0x40000000, "CLONE_NEWNET"}, {0x80000000, "CLONE_IO"},
}

// clone3Flags are the clone3-only bits, looked up after cloneFlags.
var clone3Flags = xlat{{0x80, "CLONE_NEWTIME"}, {0x100000000, "CLONE_CLEAR_SIGHAND"}, {0x200000000, "CLONE_INTO_CGROUP"}}

const (
	cloneVM           = 0x100
	clonePidfd        = 0x1000
	cloneSettls       = 0x80000
	cloneParentSettid = 0x100000
	cloneChildCleartd = 0x200000
	cloneChildSettid  = 0x1000000
	cloneIntoCgroup   = 0x200000000
	csignal           = 0xff
)

// cloneArgs says where clone's arguments are: x86_64 and i386 swap tls
// and child_tid relative to the generic order aarch64 uses. i386's tls is
// a struct user_desc strace prints in full; here, as its address.
func cloneArgs(a syscalls.Arch) (ptid, ctid, tls int) {
	switch a {
	case syscalls.X86_64:
		return 2, 3, 4
	case syscalls.I386:
		return 2, 4, 3
	}
	return 2, 4, 3
}

func capClone(cp *Capture, _ bool) {
	c := cp.call
	flags := cp.arg(0)
	ptid, _, _ := cloneArgs(cp.arch)
	if cp.structs() && c.Exit != 0 && c.Errno == 0 && flags&(cloneParentSettid|clonePidfd) != 0 {
		cp.readExact(argKey(ptid), cp.arg(ptid), 4)
	}
}

func fmtClone(f *formatter) {
	raw := f.arg(0)
	flags, sig := raw&^csignal, int32(raw&csignal)
	ptid, ctid, tls := cloneArgs(f.c.Arch)
	f.s("child_stack=")
	f.ptr(1)
	f.s(", flags=")
	if flags != 0 {
		f.flags(cloneFlags, flags, "CLONE_???")
		if sig != 0 {
			f.s("|")
			f.signal(sig)
		}
	} else {
		f.signal(sig)
	}
	if flags&(cloneParentSettid|clonePidfd) != 0 {
		f.s(", parent_tid=")
		if b := f.out(argKey(ptid)); b != nil {
			f.s("[")
			f.d(int64(int32(le32(b))))
			f.s("]")
		} else {
			f.ptr(ptid)
		}
	}
	if flags&cloneSettls != 0 {
		f.s(", tls=")
		f.ptr(tls)
	}
	if flags&(cloneChildSettid|cloneChildCleartd) != 0 {
		f.s(", child_tidptr=")
		f.ptr(ctid)
	}
}

// struct clone_args: eleven u64 fields, 88 bytes; 64 bytes up to tls.
const (
	cloneArgsSize    = 88
	cloneArgsMinSize = 64
)

func capClone3(cp *Capture, _ bool) {
	size := cp.arg(1)
	if !cp.structs() || size < cloneArgsMinSize {
		return
	}
	if size > cloneArgsSize {
		size = cloneArgsSize // strace shows a larger struct's non-zero tail; not here
	}
	cp.readExact(argKey(0), cp.arg(0), int(size))
	c := cp.call
	if c.Exit == 0 || c.Errno != 0 {
		return
	}
	if b := cp.segBytes(argKey(0)); b != nil {
		flags := le64(b)
		if flags&clonePidfd != 0 {
			cp.readExact(elemKey(0, 0), le64(b[8:]), 4)
		}
		if flags&cloneParentSettid != 0 {
			cp.readExact(elemKey(0, 1), le64(b[24:]), 4)
		}
	}
}

func fmtClone3(f *formatter) {
	addr, size := f.arg(0), f.arg(1)
	b := f.seg(argKey(0))
	if size < cloneArgsMinSize || b == nil || size > cloneArgsSize {
		f.ptr(0)
		f.sep()
		f.u(size)
		return
	}
	var a [cloneArgsSize]byte
	copy(a[:], b)
	flags, pidfd, childTid, parentTid := le64(a[:]), le64(a[8:]), le64(a[16:]), le64(a[24:])
	exitSignal, stack, stackSize, tls := le64(a[32:]), le64(a[40:]), le64(a[48:]), le64(a[56:])
	setTid, setTidSize, cgroup := le64(a[64:]), le64(a[72:]), le64(a[80:])
	f.s("{flags=")
	f.flags2(cloneFlags, clone3Flags, flags, "CLONE_???")
	if flags&clonePidfd != 0 {
		f.s(", pidfd=")
		f.addr(pidfd)
	}
	if flags&(cloneChildSettid|cloneChildCleartd) != 0 {
		f.s(", child_tid=")
		f.addr(childTid)
	}
	if flags&cloneParentSettid != 0 {
		f.s(", parent_tid=")
		f.addr(parentTid)
	}
	f.s(", exit_signal=")
	if exitSignal < 1<<31-1 {
		f.signal(int32(exitSignal))
	} else {
		f.u(exitSignal)
	}
	f.s(", stack=")
	f.addr(stack)
	f.s(", stack_size=")
	f.x(stackSize)
	if flags&cloneSettls != 0 {
		f.s(", tls=")
		f.addr(tls)
	}
	if setTid != 0 || setTidSize != 0 {
		f.s(", set_tid=")
		f.addr(setTid) // strace shows the array when it is small
		f.s(", set_tid_size=")
		f.u(setTidSize)
	}
	if size > 80 && (cgroup != 0 || flags&cloneIntoCgroup != 0) {
		f.s(", cgroup=")
		f.u(cgroup)
	}
	f.s("}")
	if f.returned() && !f.failed() && flags&(clonePidfd|cloneParentSettid) != 0 {
		f.s(" => {")
		first := true
		if flags&clonePidfd != 0 {
			f.s("pidfd=")
			f.num(elemKey(0, 0), pidfd)
			first = false
		}
		if flags&cloneParentSettid != 0 {
			if !first {
				f.sep()
			}
			f.s("parent_tid=")
			f.num(elemKey(0, 1), parentTid)
		}
		f.s("}")
	}
	_ = addr
	f.sep()
	f.u(size)
}

// num prints an int the call wrote: [N], or the pointer.
func (f *formatter) num(key uint16, addr uint64) {
	if b := f.seg(key); b != nil {
		f.s("[")
		f.d(int64(int32(le32(b))))
		f.s("]")
		return
	}
	f.addr(addr)
}

// flags2 is printflags over two tables, in order.
func (f *formatter) flags2(a, b xlat, v uint64, dflt string) {
	all := make(xlat, 0, len(a)+len(b))
	f.flags(append(append(all, a...), b...), v, dflt)
}
