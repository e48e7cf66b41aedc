package decode

import (
	"strconv"
	"strings"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// retKind is how a successful result prints (strace's RVAL_*).
type retKind uint8

const (
	retDecimal retKind = iota // = 3
	retHex                    // = 0x7f0000000000 (pointers: mmap, brk)
	retOctal                  // = 022 (umask)
)

// restartText is what strace prints for the kernel's restart codes, which
// a tracer sees at the exit stop of a call a signal interrupted.
var restartText = map[uint16]string{
	512: "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
	513: "= ? ERESTARTNOINTR (To be restarted)",
	514: "= ? ERESTARTNOHAND (To be restarted if no handler)",
	516: "= ? ERESTART_RESTARTBLOCK (Interrupted by signal)",
}

// result writes the result as strace does: "= ?" for a call that never
// returned, "= -1 ENAME (text)" for a failure, else the value in its kind
// and strace's note after it ("= 0x1 (flags FD_CLOEXEC)").
func (f *formatter) result() {
	c := f.c
	switch {
	case c.Exit == 0:
		f.s("= ?")
		return
	case c.Errno != 0:
		if s, ok := restartText[c.Errno]; ok {
			f.s(s)
			return
		}
		f.s("= -1 ")
		name, ok := errnoName(c.Errno)
		if !ok {
			f.s("(errno ")
			f.u(uint64(c.Errno))
			f.s(")")
			return
		}
		f.s(name)
		f.s(" (")
		f.s(errnoMessage(c.Errno))
		f.s(")")
		return
	}
	f.s("= ")
	v := c.Ret
	if f.ws == 4 {
		v = int64(int32(v))
	}
	switch f.ret {
	case retHex:
		if f.ws == 4 {
			f.x(uint64(uint32(v)))
		} else {
			f.x(uint64(v))
		}
	case retOctal:
		f.o(uint64(v))
	default:
		f.d(v)
	}
	if f.aux != "" {
		f.s(" (")
		f.s(f.aux)
		f.s(")")
	}
}

// strace's errno names where they differ from x/sys's: the same numbers,
// the other of two names, and the kernel-internal codes strace names.
var straceErrnoNames = map[uint16]string{
	95:  "EOPNOTSUPP",
	117: "EUCLEAN",
	517: "EPROBE_DEFER", 518: "EOPENSTALE",
	521: "EBADHANDLE", 522: "ENOTSYNC", 523: "EBADCOOKIE", 524: "ENOTSUPP",
	525: "ETOOSMALL", 526: "ESERVERFAULT", 527: "EBADTYPE", 528: "EJUKEBOX",
	529: "EIOCBQUEUED", 530: "ERECALLCONFLICT",
}

func errnoName(e uint16) (string, bool) {
	if s, ok := straceErrnoNames[e]; ok {
		return s, true
	}
	s := syscalls.ErrnoName(e)
	return s, !strings.HasPrefix(s, "errno_")
}

// errnoMessage is strerror(e) as glibc words it.
func errnoMessage(e uint16) string {
	if int(e) < len(errnoText) && errnoText[e] != "" {
		return errnoText[e]
	}
	return "Unknown error " + strconv.Itoa(int(e))
}
