package decode

import (
	"strconv"
	"strings"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// resultColumn is strace's -a default: the result starts at column 40
// when the call is shorter, after one space when it is not.
const resultColumn = 40

// Format returns the line strace prints for c (its pid prefix aside):
// the call with its arguments, padded to strace's result column, and the
// result. cp is what Capture read for c; nil or a capture of another call
// prints every pointer as an address. It allocates; run it off the
// tracer's thread.
func Format(c *backend.Call, cp *Capture) string {
	text, _ := Decode(c, cp)
	return text
}

// Decode is Format and Attributes in one pass.
func Decode(c *backend.Call, cp *Capture) (string, Attrs) {
	call, result, attrs := decode(c, cp)
	return Join(call, result, 0), attrs
}

// FormatParts returns the two halves of Format's line: the call with its
// arguments ("close(3)") and the result ("= 0").
func FormatParts(c *backend.Call, cp *Capture) (call, result string) {
	call, result, _ = decode(c, cp)
	return call, result
}

// Join puts a call and its result on one line as strace does when the
// line starts at column col (strace -f counts its pid prefix): one space,
// then padding up to column 40.
func Join(call, result string, col int) string {
	pad := resultColumn - (col + len(call) + 1)
	if pad < 0 {
		pad = 0
	}
	return call + " " + strings.Repeat(" ", pad) + result
}

// noCapture stands in for a missing or mismatched capture: it is empty.
var noCapture Capture

// formatter writes one call's text.
type formatter struct {
	c     *backend.Call
	cp    *Capture
	ws    int // the tracee's word size
	b     []byte
	ret   retKind
	aux   string // strace's auxstr: " (...)" after a successful result
	attrs Attrs
	newFD bool // a success returns a new descriptor: the call's fd then
}

func decode(c *backend.Call, cp *Capture) (call, result string, attrs Attrs) {
	if cp == nil || cp.arch != c.Arch || cp.nr != c.Nr {
		cp = &noCapture
	}
	f := formatter{c: c, cp: cp, ws: wordsize(c.Arch), b: make([]byte, 0, 96)}
	f.s(syscalls.Name(c.Arch, c.Nr))
	f.s("(")
	if d := lookup(c.Arch, c.Nr); d != nil {
		d.format(&f)
	} else {
		f.generic()
	}
	f.s(")")
	call = string(f.b)
	f.b = f.b[:0]
	f.result()
	if f.newFD && !f.attrs.HasFD && c.Exit != 0 && c.Errno == 0 {
		f.noteFD(int32(c.Ret))
	}
	return call, string(f.b), f.attrs
}

// wordsize is the size of a pointer and a long in the tracee.
func wordsize(a syscalls.Arch) int {
	if a == syscalls.I386 {
		return 4
	}
	return 8
}

func (f *formatter) arg(i int) uint64 {
	if f.ws == 4 {
		return uint64(uint32(f.c.Args[i]))
	}
	return f.c.Args[i]
}

func (f *formatter) s(s string) { f.b = append(f.b, s...) }
func (f *formatter) sep()       { f.s(", ") }

// d prints a signed decimal, u an unsigned one.
func (f *formatter) d(v int64)  { f.b = strconv.AppendInt(f.b, v, 10) }
func (f *formatter) u(v uint64) { f.b = strconv.AppendUint(f.b, v, 10) }

// x prints strace's %#x: 0 is "0", anything else 0x and hex digits.
func (f *formatter) x(v uint64) {
	if v == 0 {
		f.s("0")
		return
	}
	f.s("0x")
	f.b = strconv.AppendUint(f.b, v, 16)
}

// o prints strace's %#03o: a leading 0, at least three digits.
func (f *formatter) o(v uint64) {
	s := strconv.FormatUint(v, 8)
	if v != 0 {
		s = "0" + s
	}
	for len(s) < 3 {
		s = "0" + s
	}
	f.s(s)
}

// addr prints a pointer as strace's printaddr: NULL or 0x and hex digits.
func (f *formatter) addr(v uint64) {
	if v == 0 {
		f.s("NULL")
		return
	}
	f.x(v)
}

// int prints argument i as a C int, ulong as an unsigned long, long as a
// signed long, in the tracee's sizes.
func (f *formatter) int(i int)   { f.d(int64(int32(f.c.Args[i]))) }
func (f *formatter) uint(i int)  { f.u(uint64(uint32(f.c.Args[i]))) }
func (f *formatter) ulong(i int) { f.u(f.arg(i)) }
func (f *formatter) long(i int) {
	if f.ws == 4 {
		f.d(int64(int32(f.c.Args[i])))
		return
	}
	f.d(int64(f.c.Args[i]))
}
func (f *formatter) ptr(i int) { f.addr(f.arg(i)) }

// fd prints argument i as a descriptor; the first one a call takes is its
// syscall_exporter.syscall.fd.
func (f *formatter) fd(i int) {
	fd := int32(f.c.Args[i])
	f.d(int64(fd))
	f.noteFD(fd)
}

func (f *formatter) noteFD(fd int32) {
	if !f.attrs.HasFD && fd >= 0 {
		f.attrs.FD, f.attrs.HasFD = int(fd), true
	}
}

// atFDCWD is AT_FDCWD; a dirfd argument names it or is a descriptor.
const atFDCWD = -100

func (f *formatter) dirfd(i int) {
	if int32(f.c.Args[i]) == atFDCWD {
		f.s("AT_FDCWD")
		return
	}
	f.d(int64(int32(f.c.Args[i])))
}

// seg returns the segment for key if it was read whole.
func (f *formatter) seg(key uint16) []byte {
	s := f.cp.find(key)
	if s == nil || s.state != segOK {
		return nil
	}
	return f.cp.bytes(s)
}

// Little-endian loads from captured bytes; every arch here is little-endian.
func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 { return uint32(le16(b)) | uint32(le16(b[2:]))<<16 }
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

// word loads a tracee long or pointer.
func (f *formatter) word(b []byte) uint64 {
	if f.ws == 4 {
		return uint64(le32(b))
	}
	return le64(b)
}

// failed reports whether the call failed; strace prints the pointers of
// what a failed call would have written.
func (f *formatter) failed() bool { return f.c.Errno != 0 }

// returned reports whether the call returned: a call that did not wrote
// nothing it can be trusted with.
func (f *formatter) returned() bool { return f.c.Exit != 0 }

// out reads a structure the call writes: nil when it failed or did not
// return (strace prints the pointer then).
func (f *formatter) out(key uint16) []byte {
	if f.failed() || !f.returned() {
		return nil
	}
	return f.seg(key)
}

func appendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }

// hex is v in lower-case hex digits, without 0x.
func hex(v uint64) string { return strconv.FormatUint(v, 16) }
