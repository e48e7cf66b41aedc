package decode

import (
	"sort"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// ioctl(fd, request, arg): the request by every name strace knows for it
// ("SNDCTL_TMR_START or TCSETS"; zioctls.go has strace's lists), else as
// _IOC(dir, type, nr, size). The argument is decoded for the terminal and
// FIO* requests strace decodes with plain values (ints, winsize, no
// argument); every other argument prints in hex, where strace decodes
// many more (termios, sockets, block devices...).

type ioctlName struct {
	code uint32
	name string
}

func ioctlNames(a syscalls.Arch) []ioctlName {
	switch a {
	case syscalls.I386:
		return i386Ioctls
	case syscalls.AArch64:
		return aarch64Ioctls
	}
	return x86_64Ioctls
}

// Terminal requests (asm-generic/ioctls.h; x86 and arm64 share them).
const (
	tcgets      = 0x5401
	tcsets      = 0x5402
	tcsetsw     = 0x5403
	tcsetsf     = 0x5404
	tcgeta      = 0x5405
	tcseta      = 0x5406
	tcsetaw     = 0x5407
	tcsetaf     = 0x5408
	tcsbrk      = 0x5409
	tcxonc      = 0x540A
	tcflsh      = 0x540B
	tiocexcl    = 0x540C
	tiocnxcl    = 0x540D
	tiocsctty   = 0x540E
	tiocgpgrp   = 0x540F
	tiocspgrp   = 0x5410
	tiocoutq    = 0x5411
	tiocsti     = 0x5412
	tiocgwinsz  = 0x5413
	tiocswinsz  = 0x5414
	tiocgsoftca = 0x5419
	tiocssoftca = 0x541A
	fionread    = 0x541B
	tioccons    = 0x541D
	tiocpkt     = 0x5420
	fionbio     = 0x5421
	tiocnotty   = 0x5422
	tiocsetd    = 0x5423
	tiocgetd    = 0x5424
	tcsbrkp     = 0x5425
	tiocsbrk    = 0x5427
	tioccbrk    = 0x5428
	tiocgsid    = 0x5429
	tiocgptn    = 0x80045430
	tiocsptlck  = 0x40045431
	tiocgdev    = 0x80045432
	tiocgexcl   = 0x80045440
	tiocvhangup = 0x5437
	fionclex    = 0x5450
	fioclex     = 0x5451
	fioasync    = 0x5452
	tiocgltrmio = 0x5456
	tiocsltrmio = 0x5457
	ficlone     = 0x40049409 // its argument is a descriptor
)

// ioctlArg is how strace's term_ioctl shows a request's argument.
type ioctlArg uint8

const (
	argHex        ioctlArg = iota // not decoded here: the value in hex
	argNone                       // takes none: nothing printed
	argInt                        // the value as an int
	argIntIn                      // [N], read at entry: shown even if the call fails
	argIntOut                     // [N], written by the call
	argWinsize                    // struct winsize, read at entry
	argWinsizeOut                 // struct winsize, written
	argTCXONC                     // TCOOFF...
	argTCFLSH                     // TCIFLUSH...
	argChar                       // one byte, as a string
	argAddr                       // a structure strace decodes and this package does not (termios)
)

func ioctlArgOf(code uint32) ioctlArg {
	switch code {
	case tcgets, tiocgltrmio, tcsets, tcsetsw, tcsetsf, tiocsltrmio, tcgeta, tcseta, tcsetaw, tcsetaf:
		return argAddr
	case tiocgwinsz:
		return argWinsizeOut
	case tiocswinsz:
		return argWinsize
	case tcxonc:
		return argTCXONC
	case tcflsh:
		return argTCFLSH
	case tcsbrk, tcsbrkp, tiocsctty, ficlone:
		return argInt
	case tiocgpgrp, tiocgsid, tiocgetd, tiocgsoftca, tiocgptn, fionread, tiocoutq, tiocgexcl, tiocgdev:
		return argIntOut
	case tiocspgrp, tiocsetd, fionbio, fioasync, tiocpkt, tiocssoftca, tiocsptlck:
		return argIntIn
	case tiocsti:
		return argChar
	case tiocsbrk, tioccbrk, tioccons, tiocnotty, tiocexcl, tiocnxcl, fioclex, fionclex, tiocvhangup:
		return argNone
	}
	return argHex
}

func capIoctl(cp *Capture, _ bool) {
	if !cp.structs() {
		return
	}
	switch ioctlArgOf(uint32(cp.arg(1))) {
	case argIntIn, argIntOut:
		cp.readExact(argKey(2), cp.arg(2), 4)
	case argWinsize, argWinsizeOut:
		cp.readExact(argKey(2), cp.arg(2), 8)
	case argChar:
		cp.captureData(argKey(2), cp.arg(2), 1)
	}
}

var (
	tcxoncOptions = xlat{{0, "TCOOFF"}, {1, "TCOON"}, {2, "TCIOFF"}, {3, "TCION"}}
	tcflshOptions = xlat{{0, "TCIFLUSH"}, {1, "TCOFLUSH"}, {2, "TCIOFLUSH"}}
	ioctlDirs     = xlat{{0, "_IOC_NONE"}, {2, "_IOC_READ"}, {1, "_IOC_WRITE"}}
)

func fmtIoctl(f *formatter) {
	f.fd(0)
	f.sep()
	code := uint32(f.arg(1))
	f.ioctlRequest(code)
	switch ioctlArgOf(code) {
	case argNone:
	case argInt:
		f.sep()
		f.int(2)
	case argIntIn, argIntOut:
		f.sep()
		b := f.seg(argKey(2))
		if ioctlArgOf(code) == argIntOut {
			b = f.out(argKey(2))
		}
		if b == nil {
			f.ptr(2)
			break
		}
		f.s("[")
		f.d(int64(int32(le32(b))))
		f.s("]")
	case argWinsize, argWinsizeOut:
		f.sep()
		b := f.seg(argKey(2))
		if ioctlArgOf(code) == argWinsizeOut {
			b = f.out(argKey(2))
		}
		if b == nil {
			f.ptr(2)
			break
		}
		f.s("{ws_row=")
		f.u(uint64(le16(b)))
		f.s(", ws_col=")
		f.u(uint64(le16(b[2:])))
		f.s(", ws_xpixel=")
		f.u(uint64(le16(b[4:])))
		f.s(", ws_ypixel=")
		f.u(uint64(le16(b[6:])))
		f.s("}")
	case argTCXONC:
		f.sep()
		f.xval(tcxoncOptions, f.arg(2), "TC???")
	case argTCFLSH:
		f.sep()
		f.xval(tcflshOptions, f.arg(2), "TC???")
	case argChar:
		f.sep()
		f.data(argKey(2), f.arg(2), 1)
	case argAddr:
		f.sep()
		f.ptr(2)
	default:
		f.sep()
		f.x(f.arg(2))
	}
}

// ioctlRequest prints a request code as strace's ioctl does.
func (f *formatter) ioctlRequest(code uint32) {
	names := ioctlNames(f.c.Arch)
	i := sort.Search(len(names), func(i int) bool { return names[i].code >= code })
	if i < len(names) && names[i].code == code {
		for j := i; j < len(names) && names[j].code == code; j++ {
			if j > i {
				f.s(" or ")
			}
			f.s(names[j].name)
		}
		return
	}
	f.s("_IOC(")
	f.flags(ioctlDirs, uint64(code>>30), "_IOC_???")
	f.sep()
	f.x(uint64(code >> 8 & 0xff))
	f.sep()
	f.x(uint64(code & 0xff))
	f.sep()
	f.x(uint64(code >> 16 & 0x3fff))
	f.s(")")
}
