package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// fcntl(fd, cmd, arg) and i386's fcntl64: the command by name, the
// argument as that command takes it, and the notes strace puts after
// F_GETFD, F_GETFL, F_GETSIG and friends.

const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fGetlk        = 5
	fSetlk        = 6
	fSetlkw       = 7
	fSetown       = 8
	fGetown       = 9
	fSetsig       = 10
	fGetsig       = 11
	fGetlk64      = 12
	fSetlk64      = 13
	fSetlkw64     = 14
	fSetownEx     = 15
	fGetownEx     = 16
	fOFDGetlk     = 36
	fOFDSetlk     = 37
	fOFDSetlkw    = 38
	fSetlease     = 1024
	fGetlease     = 1025
	fNotify       = 1026
	fDupfdCloexec = 1030
	fSetpipeSz    = 1031
	fGetpipeSz    = 1032
	fAddSeals     = 1033
	fGetSeals     = 1034
)

var fcntlCmds = xlat{
	{fDupfd, "F_DUPFD"}, {fGetfd, "F_GETFD"}, {fSetfd, "F_SETFD"}, {fGetfl, "F_GETFL"},
	{fSetfl, "F_SETFL"}, {fGetlk, "F_GETLK"}, {fSetlk, "F_SETLK"}, {fSetlkw, "F_SETLKW"},
	{fSetown, "F_SETOWN"}, {fGetown, "F_GETOWN"}, {fSetsig, "F_SETSIG"}, {fGetsig, "F_GETSIG"},
	{fGetlk64, "F_GETLK64"}, {fSetlk64, "F_SETLK64"}, {fSetlkw64, "F_SETLKW64"},
	{fSetownEx, "F_SETOWN_EX"}, {fGetownEx, "F_GETOWN_EX"}, {17, "F_GETOWNER_UIDS"},
	{fOFDGetlk, "F_OFD_GETLK"}, {fOFDSetlk, "F_OFD_SETLK"}, {fOFDSetlkw, "F_OFD_SETLKW"},
	{fSetlease, "F_SETLEASE"}, {fGetlease, "F_GETLEASE"}, {fNotify, "F_NOTIFY"}, {1029, "F_CANCELLK"},
	{fDupfdCloexec, "F_DUPFD_CLOEXEC"}, {fSetpipeSz, "F_SETPIPE_SZ"}, {fGetpipeSz, "F_GETPIPE_SZ"},
	{fAddSeals, "F_ADD_SEALS"}, {fGetSeals, "F_GET_SEALS"},
}

var (
	fdFlags     = xlat{{1, "FD_CLOEXEC"}}
	lockCmds    = xlat{{0, "F_RDLCK"}, {1, "F_WRLCK"}, {2, "F_UNLCK"}, {4, "F_EXLCK"}, {8, "F_SHLCK"}}
	fOwnerTypes = xlat{{0, "F_OWNER_TID"}, {1, "F_OWNER_PID"}, {2, "F_OWNER_PGRP"}}
	fSeals      = xlat{{1, "F_SEAL_SEAL"}, {2, "F_SEAL_SHRINK"}, {4, "F_SEAL_GROW"}, {8, "F_SEAL_WRITE"}, {0x10, "F_SEAL_FUTURE_WRITE"}}
	notifyFlags = xlat{{1, "DN_ACCESS"}, {2, "DN_MODIFY"}, {4, "DN_CREATE"}, {8, "DN_DELETE"}, {0x10, "DN_RENAME"}, {0x20, "DN_ATTRIB"}, {0x80000000, "DN_MULTISHOT"}}
)

// flockLayout is struct flock (or flock64) in the tracee: where l_start,
// l_len and l_pid are, and its size.
type flockLayout struct{ start, len, pid, size, word int }

var (
	flock64Bit = flockLayout{start: 8, len: 16, pid: 24, size: 32, word: 8} // 64-bit flock and flock64
	flockI386  = flockLayout{start: 4, len: 8, pid: 12, size: 16, word: 4}
	flock64386 = flockLayout{start: 4, len: 12, pid: 20, size: 24, word: 8} // packed on i386
)

func flockOf(a syscalls.Arch, big bool) flockLayout {
	if a != syscalls.I386 {
		return flock64Bit
	}
	if big {
		return flock64386
	}
	return flockI386
}

// fcntlLock says which structure a lock command takes: none, flock or
// flock64, and whether the call writes it (GETLK).
func fcntlLock(nr32 bool, cmd uint32) (takes, big, getlk bool) {
	switch cmd {
	case fSetlk, fSetlkw:
		return true, false, false
	case fGetlk:
		return true, false, true
	case fOFDSetlk, fOFDSetlkw:
		return true, true, false
	case fOFDGetlk:
		return true, true, true
	}
	if nr32 {
		switch cmd {
		case fSetlk64, fSetlkw64:
			return true, true, false
		case fGetlk64:
			return true, true, true
		}
	}
	return false, false, false
}

func capFcntlAs(fcntl64 bool) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if !cp.structs() {
			return
		}
		cmd := uint32(cp.arg(1))
		if takes, big, _ := fcntlLock(fcntl64, cmd); takes {
			cp.readExact(argKey(2), cp.arg(2), flockOf(cp.arch, big).size)
		} else if cmd == fSetownEx || cmd == fGetownEx {
			cp.readExact(argKey(2), cp.arg(2), 8)
		}
	}
}

func fmtFcntl(f *formatter)   { fmtFcntlAs(f, false) }
func fmtFcntl64(f *formatter) { fmtFcntlAs(f, true) }

func fmtFcntlAs(f *formatter, fcntl64 bool) {
	f.fd(0)
	f.sep()
	cmd := uint32(f.arg(1))
	f.xval(fcntlCmds, uint64(cmd), "F_???")
	if takes, big, getlk := fcntlLock(fcntl64, cmd); takes {
		f.sep()
		f.flock(2, flockOf(f.c.Arch, big), getlk)
		return
	}
	ok := f.returned() && !f.failed()
	rv := uint64(f.c.Ret)
	switch cmd {
	case fSetfd:
		f.sep()
		f.flags(fdFlags, uint64(uint32(f.arg(2))), "FD_???")
	case fSetown, fSetpipeSz:
		f.sep()
		f.int(2)
	case fDupfd, fDupfdCloexec:
		f.sep()
		f.int(2)
		f.newFD = true
	case fSetfl:
		f.sep()
		f.openModes(uint64(uint32(f.arg(2))))
	case fSetownEx, fGetownEx:
		f.sep()
		b := f.seg(argKey(2))
		if cmd == fGetownEx {
			b = f.out(argKey(2))
		}
		if b == nil {
			f.ptr(2)
			break
		}
		f.s("{type=")
		f.xval(fOwnerTypes, uint64(le32(b)), "F_OWNER_???")
		f.s(", pid=")
		f.d(int64(int32(le32(b[4:]))))
		f.s("}")
	case fNotify:
		f.sep()
		f.flags(notifyFlags, f.arg(2), "DN_???")
	case fSetlease:
		f.sep()
		f.xval(lockCmds, f.arg(2), "F_???")
	case fAddSeals:
		f.sep()
		f.flags(fSeals, f.arg(2), "F_SEAL_???")
	case fSetsig:
		f.sep()
		f.signal(int32(f.arg(2)))
	case fGetown, fGetpipeSz:
	case fGetfd:
		if ok && rv != 0 {
			f.ret, f.aux = retHex, sprintFlags("flags ", fdFlags, rv)
		}
	case fGetfl:
		if ok {
			f.ret, f.aux = retHex, "flags "+openModesString(f.c.Arch, rv)
		}
	case fGetlease:
		if ok {
			f.ret = retHex
			f.aux, _ = lockCmds.lookup(rv)
		}
	case fGetSeals:
		if ok && rv != 0 {
			f.ret, f.aux = retHex, sprintFlags("seals ", fSeals, rv)
		}
	case fGetsig:
		if ok && rv != 0 {
			f.aux = signalName(int32(rv))
		}
	default:
		f.sep()
		f.x(f.arg(2))
	}
}

// flock prints struct flock: {l_type=F_WRLCK, l_whence=SEEK_SET,
// l_start=0, l_len=10}, and l_pid for the GETLK commands, which write it.
func (f *formatter) flock(i int, l flockLayout, getlk bool) {
	b := f.seg(argKey(i))
	if getlk {
		b = f.out(argKey(i))
	}
	if b == nil {
		f.ptr(i)
		return
	}
	f.s("{l_type=")
	f.xval(lockCmds, uint64(le16(b)), "F_???")
	f.s(", l_whence=")
	f.xval(whenceCodes, uint64(le16(b[2:])), "SEEK_???")
	f.s(", l_start=")
	f.d(loadSigned(b[l.start:], l.word))
	f.s(", l_len=")
	f.d(loadSigned(b[l.len:], l.word))
	if getlk {
		f.s(", l_pid=")
		f.d(int64(int32(le32(b[l.pid:]))))
	}
	f.s("}")
}

func loadSigned(b []byte, size int) int64 {
	if size == 4 {
		return int64(int32(le32(b)))
	}
	return int64(le64(b))
}
