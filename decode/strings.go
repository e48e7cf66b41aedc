package decode

import "strings"

// strace's string escapes (util.c string_quote, default -x off): \" and
// \\, the C escapes \f \n \r \t \v, printable ASCII as is, every other
// byte (NUL, controls, DEL and all of 0x80..0xff) in octal, with three
// digits only where an octal digit follows, so the text reads back
// unambiguously.

func isPrint(c byte) bool { return c >= ' ' && c < 0x7f }

// appendEscaped appends s escaped, without quotes.
func appendEscaped(b, s []byte) []byte {
	for i, c := range s {
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\v':
			b = append(b, '\\', 'v')
		default:
			if isPrint(c) {
				b = append(b, c)
				continue
			}
			b = append(b, '\\')
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
				b = append(b, '0'+c>>6, '0'+c>>3&7)
			} else if c>>3 != 0 {
				if c>>6 != 0 {
					b = append(b, '0'+c>>6)
				}
				b = append(b, '0'+c>>3&7)
			}
			b = append(b, '0'+c&7)
		}
	}
	return b
}

// appendQuoted appends s escaped between double quotes.
func appendQuoted(b, s []byte) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendHexQuoted appends s as strace's QUOTE_FORCE_HEX: "\x7f\x00...".
func appendHexQuoted(b, s []byte) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		b = append(b, '\\', 'x', digits[c>>4], digits[c&15])
	}
	return append(b, '"')
}

// path prints argument i as a path (printpath): NULL, the pointer if it
// could not be read, or the whole string, cut with "..." past 4095 bytes.
// The first path a call names becomes its file.path.
func (f *formatter) path(i int) {
	f.pathAt(argKey(i), f.arg(i))
}

func (f *formatter) pathAt(key uint16, addr uint64) {
	if addr == 0 {
		f.s("NULL")
		return
	}
	seg := f.cp.find(key)
	if seg == nil || seg.state != segOK {
		f.addr(addr)
		return
	}
	s := f.cp.bytes(seg)
	if !seg.nul {
		s = s[:PathMax-1]
	}
	f.b = appendQuoted(f.b, s)
	if !seg.nul {
		f.s("...")
	}
	if !f.attrs.hasPath {
		f.attrs.Path, f.attrs.hasPath = validUTF8(s), true
	}
}

// cstring prints a NUL-terminated string that is not a path (printstr):
// at most 32 bytes, then "...".
func (f *formatter) cstring(key uint16, addr uint64) {
	if addr == 0 {
		f.s("NULL")
		return
	}
	seg := f.cp.find(key)
	if seg == nil || seg.state != segOK {
		f.addr(addr)
		return
	}
	s := f.cp.bytes(seg)
	cut := len(s) > StringLimit
	if cut {
		s = s[:StringLimit]
	}
	f.b = appendQuoted(f.b, s)
	if cut {
		f.s("...")
	}
}

// data prints n bytes at addr as a string (printstrn): NULL, the pointer
// if they were not read (or mode is not all), else the first 32 bytes,
// then "..." if there were more.
func (f *formatter) data(key uint16, addr, n uint64) {
	if addr == 0 {
		f.s("NULL")
		return
	}
	if n == 0 {
		f.s(`""`) // nothing to read, nothing to fail
		return
	}
	seg := f.cp.find(key)
	want := n
	if want > StringLimit+1 {
		want = StringLimit + 1
	}
	if seg == nil || seg.state != segOK || uint64(seg.n) < want {
		f.addr(addr)
		return
	}
	s := f.cp.bytes(seg)
	if uint64(len(s)) > n {
		s = s[:n]
	}
	if len(s) > StringLimit {
		s = s[:StringLimit]
	}
	f.b = appendQuoted(f.b, s)
	if n > StringLimit {
		f.s("...")
	}
}

// captureData reads what data(key, addr, n) prints, in mode all.
func (cp *Capture) captureData(key uint16, addr, n uint64) {
	if !cp.data() || n == 0 {
		return
	}
	if n > StringLimit+1 {
		n = StringLimit + 1
	}
	cp.readExact(key, addr, int(n))
}

// validUTF8 makes a path an attribute value: OTLP strings are UTF-8.
func validUTF8(s []byte) string { return strings.ToValidUTF8(string(s), "\uFFFD") }
