package decode

import (
	"strconv"
	"time"
)

// The calls that take a path: open, access, readlink, link, rename,
// mkdir, chdir, chmod, chown, truncate, utimensat, mknod, in their plain
// and *at forms (strace's open.c, access.c, link.c, chmod.c...).

// capPaths reads the paths at the given arguments, in paths mode and up.
func capPaths(args ...int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		for _, a := range args {
			cp.readString(argKey(a), cp.arg(a), PathMax)
		}
	}
}

func fmtPath(f *formatter) { f.path(0) }

// open(path, flags[, mode]), openat(dirfd, path, flags[, mode]).
func fmtOpenAt(f *formatter, i int) {
	f.path(i)
	f.sep()
	flags := f.arg(i + 1)
	f.openModes(flags)
	if openHasMode(flags) {
		f.sep()
		f.o(uint64(uint16(f.arg(i + 2))))
	}
	f.newFD = true
}

func fmtOpen(f *formatter)   { fmtOpenAt(f, 0) }
func fmtOpenat(f *formatter) { f.dirfd(0); f.sep(); fmtOpenAt(f, 1) }

func fmtCreat(f *formatter) {
	f.path(0)
	f.sep()
	f.o(uint64(uint16(f.arg(1))))
	f.newFD = true
}

// openat2(dirfd, path, how, size): how is {flags, mode, resolve}.
var resolveFlags = xlat{
	{0x01, "RESOLVE_NO_XDEV"}, {0x02, "RESOLVE_NO_MAGICLINKS"}, {0x04, "RESOLVE_NO_SYMLINKS"},
	{0x08, "RESOLVE_BENEATH"}, {0x10, "RESOLVE_IN_ROOT"}, {0x20, "RESOLVE_CACHED"},
}

const openHowSize = 24

func capOpenat2(cp *Capture, _ bool) {
	cp.readString(argKey(1), cp.arg(1), PathMax)
	if cp.arg(3) >= openHowSize {
		cp.readExact(argKey(2), cp.arg(2), openHowSize)
	}
}

func fmtOpenat2(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	how := f.seg(argKey(2))
	if f.arg(3) < openHowSize || how == nil || f.arg(3) > openHowSize {
		// Larger structs strace shows with their unknown tail; not here.
		f.ptr(2)
	} else {
		flags, mode := le64(how), le64(how[8:])
		f.s("{flags=")
		f.openModes(flags)
		if openHasMode(flags) || mode != 0 {
			f.s(", mode=")
			f.o(mode)
		}
		f.s(", resolve=")
		f.flags(resolveFlags, le64(how[16:]), "RESOLVE_???")
		f.s("}")
	}
	f.sep()
	f.ulong(3)
	f.newFD = true
}

var accessModes = xlat{{0, "F_OK"}, {4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}}

var faccessatFlags = xlat{{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_EACCESS"}, {0x1000, "AT_EMPTY_PATH"}}

// atFlags is xlat/at_flags.in.
var atFlags = xlat{
	{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_REMOVEDIR"}, {0x400, "AT_SYMLINK_FOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"}, {0x1000, "AT_EMPTY_PATH"}, {0x8000, "AT_RECURSIVE"},
}

func fmtAccess(f *formatter) {
	f.path(0)
	f.sep()
	f.flags(accessModes, uint64(uint32(f.arg(1))), "?_OK")
}
func fmtFaccessat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	f.flags(accessModes, uint64(uint32(f.arg(2))), "?_OK")
}
func fmtFaccessat2(f *formatter) {
	fmtFaccessat(f)
	f.sep()
	f.flags(faccessatFlags, uint64(uint32(f.arg(3))), "AT_???")
}

// readlink(path, buf, size): buf is what the call wrote, rval bytes of
// it, shown as data (so cut at 32 bytes, as strace does).
func capReadlinkAt(i int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		cp.readString(argKey(i), cp.arg(i), PathMax)
		if c := cp.call; c.Exit != 0 && c.Errno == 0 && cp.structs() {
			n := uint64(c.Ret)
			if n > StringLimit+1 {
				n = StringLimit + 1
			}
			cp.readExact(argKey(i+1), cp.arg(i+1), int(n))
		}
	}
}

func fmtReadlinkAt(f *formatter, i int) {
	f.path(i)
	f.sep()
	if f.failed() || !f.returned() {
		f.ptr(i + 1)
	} else {
		f.data(argKey(i+1), f.arg(i+1), uint64(f.c.Ret))
	}
	f.sep()
	f.ulong(i + 2)
}

func fmtReadlink(f *formatter)   { fmtReadlinkAt(f, 0) }
func fmtReadlinkat(f *formatter) { f.dirfd(0); f.sep(); fmtReadlinkAt(f, 1) }

// Two paths: link, rename, symlink (strace's sys_link).
func fmtTwoPaths(f *formatter) { f.path(0); f.sep(); f.path(1) }

func fmtLinkat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	f.dirfd(2)
	f.sep()
	f.path(3)
	f.sep()
	f.flags(atFlags, uint64(uint32(f.arg(4))), "AT_???")
}

var renameFlags = xlat{{1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}}

func fmtRenameat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	f.dirfd(2)
	f.sep()
	f.path(3)
}

func fmtRenameat2(f *formatter) {
	fmtRenameat(f)
	f.sep()
	f.flags(renameFlags, uint64(uint32(f.arg(4))), "RENAME_??")
}

func fmtSymlinkat(f *formatter) { f.path(0); f.sep(); f.dirfd(1); f.sep(); f.path(2) }

func fmtUnlinkat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	f.flags(atFlags, uint64(uint32(f.arg(2))), "AT_???")
}

// chmod(path, mode) and mkdir; fchmodat(dirfd, path, mode) and mkdirat.
func fmtPathMode(f *formatter) { f.path(0); f.sep(); f.o(uint64(uint16(f.arg(1)))) }
func fmtAtPathMode(f *formatter) {
	f.dirfd(0)
	f.sep()
	fmtPathModeAt(f, 1)
}
func fmtPathModeAt(f *formatter, i int) { f.path(i); f.sep(); f.o(uint64(uint16(f.arg(i + 1)))) }
func fmtFdMode(f *formatter)            { f.fd(0); f.sep(); f.o(uint64(uint16(f.arg(1)))) }

// printuid: -1 stays -1, anything else unsigned.
func (f *formatter) uid(i int) {
	if uint32(f.arg(i)) == ^uint32(0) {
		f.s("-1")
		return
	}
	f.uint(i)
}

func fmtChown(f *formatter)  { f.path(0); f.sep(); f.uid(1); f.sep(); f.uid(2) }
func fmtFchown(f *formatter) { f.fd(0); f.sep(); f.uid(1); f.sep(); f.uid(2) }
func fmtFchownat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	f.uid(2)
	f.sep()
	f.uid(3)
	f.sep()
	f.flags(atFlags, uint64(uint32(f.arg(4))), "AT_???")
}

func fmtTruncate(f *formatter)  { f.path(0); f.sep(); f.ulong(1) }
func fmtFtruncate(f *formatter) { f.fd(0); f.sep(); f.ulong(1) }

// mknod(path, mode, dev): the mode symbolic, dev only for devices.
func fmtMknodAt(f *formatter, i int) {
	f.path(i)
	f.sep()
	mode := uint16(f.arg(i + 1))
	f.symbolicMode(uint32(mode))
	switch mode & sIFMT {
	case sIFCHR, sIFBLK:
		f.sep()
		f.devT(uint64(uint32(f.arg(i + 2))))
	}
}

func fmtMknod(f *formatter)   { fmtMknodAt(f, 0) }
func fmtMknodat(f *formatter) { f.dirfd(0); f.sep(); fmtMknodAt(f, 1) }

// utimensat(dirfd, path, times[2], flags).
func capUtimensat(cp *Capture, _ bool) {
	cp.readString(argKey(1), cp.arg(1), PathMax)
	cp.readExact(argKey(2), cp.arg(2), 2*timespecSize(cp.wordsize()))
}

const (
	utimeNow  = 1<<30 - 1
	utimeOmit = 1<<30 - 2
)

func fmtUtimensat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	if b := f.seg(argKey(2)); b == nil {
		f.ptr(2)
	} else {
		size := timespecSize(f.ws)
		f.s("[")
		for i := 0; i < 2; i++ {
			if i > 0 {
				f.sep()
			}
			sec, nsec := f.timespecAt(b[i*size:])
			switch nsec {
			case utimeNow:
				f.s("UTIME_NOW")
			case utimeOmit:
				f.s("UTIME_OMIT")
			default:
				f.timespecFields(sec, nsec)
				f.timeComment(sec, nsec)
			}
		}
		f.s("]")
	}
	f.sep()
	f.flags(atFlags, uint64(uint32(f.arg(3))), "AT_???")
}

// timeComment is strace's sprinttime_nsec: the time in local time, in a
// comment; none for 0 or an invalid nanosecond count.
func (f *formatter) timeComment(sec int64, nsec uint64) {
	if sec == 0 && nsec == 0 || nsec > 999999999 {
		return
	}
	t := time.Unix(sec, 0)
	f.s(" /* ")
	f.b = t.AppendFormat(f.b, "2006-01-02T15:04:05")
	if nsec > 0 {
		f.s(".")
		digits := strconv.FormatUint(nsec, 10)
		f.s("000000000"[len(digits):])
		f.s(digits)
	}
	f.b = t.AppendFormat(f.b, "-0700")
	f.s(" */")
}
