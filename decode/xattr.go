package decode

// The extended attribute calls (strace's xattr.c): the path or fd, the
// name as a string, the value as data (mode all), the size.

const xattrSizeMax = 65536

var xattrFlags = xlat{{1, "XATTR_CREATE"}, {2, "XATTR_REPLACE"}}

// capXattr reads a call's path (pathArg, -1 for an fd call), its name
// (an attribute name: metadata, read in mode paths) and, in mode all, its
// value: valueLen bytes of it, at entry (set) or as returned (get).
func capXattr(pathArg int, set bool) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if pathArg >= 0 {
			cp.readString(argKey(pathArg), cp.arg(pathArg), PathMax)
		}
		if cp.structs() {
			cp.readString(argKey(1), cp.arg(1), StringLimit+1)
		}
		c := cp.call
		n := cp.arg(3)
		if !set {
			if c.Exit == 0 || c.Errno != 0 {
				return
			}
			n = uint64(c.Ret)
		}
		if n <= xattrSizeMax {
			cp.captureData(argKey(2), cp.arg(2), n)
		}
	}
}

// xattrValue prints size bytes of a value: its pointer past the largest
// value, else as data without a trailing NUL (QUOTE_OMIT_TRAILING_0).
func (f *formatter) xattrValue(size uint64) {
	if size > xattrSizeMax {
		f.ptr(2)
		return
	}
	b := f.seg(argKey(2))
	if f.arg(2) == 0 || size == 0 || b == nil {
		f.data(argKey(2), f.arg(2), size)
		return
	}
	shown := size
	if shown > StringLimit {
		shown = StringLimit
	}
	s := b[:shown]
	if len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	f.b = appendQuoted(f.b, s)
	if size > StringLimit {
		f.s("...")
	}
}

func (f *formatter) xattrTarget(pathArg bool) {
	if pathArg {
		f.path(0)
	} else {
		f.fd(0)
	}
	f.sep()
	f.cstring(argKey(1), f.arg(1))
	f.sep()
}

func fmtGetxattrAs(f *formatter, path bool) {
	f.xattrTarget(path)
	size := uint64(f.c.Ret)
	if f.failed() || !f.returned() {
		size = noLimit
	}
	f.xattrValue(size)
	f.sep()
	f.ulong(3)
}

func fmtSetxattrAs(f *formatter, path bool) {
	f.xattrTarget(path)
	f.xattrValue(f.arg(3))
	f.sep()
	f.ulong(3)
	f.sep()
	f.flags(xattrFlags, uint64(uint32(f.arg(4))), "XATTR_???")
}

func fmtGetxattr(f *formatter)  { fmtGetxattrAs(f, true) }
func fmtFgetxattr(f *formatter) { fmtGetxattrAs(f, false) }
func fmtSetxattr(f *formatter)  { fmtSetxattrAs(f, true) }
func fmtFsetxattr(f *formatter) { fmtSetxattrAs(f, false) }

// listxattr(path, list, size): the names the call wrote, as data.
func capListxattr(pathArg int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if pathArg >= 0 {
			cp.readString(argKey(pathArg), cp.arg(pathArg), PathMax)
		}
		if c := cp.call; c.Exit != 0 && c.Errno == 0 && cp.arg(2) != 0 {
			cp.captureData(argKey(1), cp.arg(1), uint64(c.Ret))
		}
	}
}

func fmtListxattrAs(f *formatter, path bool) {
	if path {
		f.path(0)
	} else {
		f.fd(0)
	}
	f.sep()
	if f.arg(2) == 0 || f.failed() || !f.returned() {
		f.ptr(1)
	} else {
		f.data(argKey(1), f.arg(1), uint64(f.c.Ret))
	}
	f.sep()
	f.ulong(2)
}

func fmtListxattr(f *formatter)  { fmtListxattrAs(f, true) }
func fmtFlistxattr(f *formatter) { fmtListxattrAs(f, false) }

func fmtRemovexattr(f *formatter) { f.path(0); f.sep(); f.cstring(argKey(1), f.arg(1)) }
func fmtFremovexattr(f *formatter) {
	f.fd(0)
	f.sep()
	f.cstring(argKey(1), f.arg(1))
}

// capXattrName reads only the name (fremovexattr).
func capXattrName(cp *Capture, _ bool) {
	if cp.structs() {
		cp.readString(argKey(1), cp.arg(1), StringLimit+1)
	}
}
