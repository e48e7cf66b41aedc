package decode

// Small calls a program's start makes, decoded as strace does so that
// their lines match too: uname, getrandom, arch_prctl, fadvise64,
// close_range, sysinfo.

const utsnameField = 65

func capUname(cp *Capture, _ bool) {
	if c := cp.call; cp.structs() && c.Exit != 0 && c.Errno == 0 {
		cp.readExact(argKey(0), cp.arg(0), 2*utsnameField)
	}
}

func (f *formatter) cstringField(b []byte) {
	end := 0
	for end < len(b) && b[end] != 0 {
		end++
	}
	f.b = appendQuoted(f.b, b[:end])
}

func fmtUname(f *formatter) {
	b := f.out(argKey(0))
	if b == nil {
		f.ptr(0)
		return
	}
	f.s("{sysname=")
	f.cstringField(b[:utsnameField])
	f.s(", nodename=")
	f.cstringField(b[utsnameField:])
	f.s(", ...}")
}

var getrandomFlags = xlat{{1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}}

func capGetrandom(cp *Capture, _ bool) {
	if c := cp.call; c.Exit != 0 && c.Errno == 0 {
		cp.captureData(argKey(0), cp.arg(0), uint64(c.Ret))
	}
}

// getrandom's buffer prints in hex (QUOTE_FORCE_HEX), 32 bytes at most.
func fmtGetrandom(f *formatter) {
	n := uint64(f.c.Ret)
	b := f.out(argKey(0))
	switch {
	case f.failed() || !f.returned() || f.arg(0) == 0:
		f.ptr(0)
	case n == 0:
		f.s(`""`)
	case b == nil:
		f.ptr(0)
	default:
		shown := b
		if uint64(len(shown)) > n {
			shown = shown[:n]
		}
		if len(shown) > StringLimit {
			shown = shown[:StringLimit]
		}
		f.b = appendHexQuoted(f.b, shown)
		if n > StringLimit {
			f.s("...")
		}
	}
	f.sep()
	f.ulong(1)
	f.sep()
	f.flags(getrandomFlags, uint64(uint32(f.arg(2))), "GRND_???")
}

var archPrctlCodes = xlat{
	{0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"}, {0x1003, "ARCH_GET_FS"}, {0x1004, "ARCH_GET_GS"},
	{0x1011, "ARCH_GET_CPUID"}, {0x1012, "ARCH_SET_CPUID"}, {0x1021, "ARCH_GET_XCOMP_SUPP"},
	{0x1022, "ARCH_GET_XCOMP_PERM"}, {0x1023, "ARCH_REQ_XCOMP_PERM"}, {0x1024, "ARCH_GET_XCOMP_GUEST_PERM"},
	{0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"}, {0x2001, "ARCH_MAP_VDSO_X32"}, {0x2002, "ARCH_MAP_VDSO_32"},
	{0x2003, "ARCH_MAP_VDSO_64"},
}

func capArchPrctl(cp *Capture, _ bool) {
	switch uint32(cp.arg(0)) {
	case 0x1003, 0x1004: // ARCH_GET_FS, ARCH_GET_GS write a pointer
		if c := cp.call; cp.structs() && c.Exit != 0 && c.Errno == 0 {
			cp.readExact(argKey(1), cp.arg(1), 8)
		}
	}
}

// arch_prctl: the XCOMP requests strace decodes further print their
// argument in hex here.
func fmtArchPrctl(f *formatter) {
	code := uint32(f.arg(0))
	f.xval(archPrctlCodes, uint64(code), "ARCH_???")
	switch code {
	case 0x1011: // ARCH_GET_CPUID takes none
		return
	case 0x1003, 0x1004:
		f.sep()
		if b := f.out(argKey(1)); b != nil {
			f.s("[")
			f.addr(le64(b))
			f.s("]")
		} else {
			f.ptr(1)
		}
		return
	}
	f.sep()
	f.x(f.arg(1))
}

var fadviseAdvice = xlat{
	{0, "POSIX_FADV_NORMAL"}, {1, "POSIX_FADV_RANDOM"}, {2, "POSIX_FADV_SEQUENTIAL"},
	{3, "POSIX_FADV_WILLNEED"}, {4, "POSIX_FADV_DONTNEED"}, {5, "POSIX_FADV_NOREUSE"},
}

// fadvise64(fd, offset, len, advice): on 64-bit arches one register each.
func fmtFadvise64(f *formatter) {
	f.fd(0)
	f.sep()
	if f.ws == 4 {
		// i386: a split offset, then len and advice.
		f.offset64(1)
		f.sep()
		f.ulong(3)
		f.sep()
		f.xval(fadviseAdvice, uint64(uint32(f.arg(4))), "POSIX_FADV_???")
		return
	}
	f.long(1)
	f.sep()
	f.ulong(2)
	f.sep()
	f.xval(fadviseAdvice, uint64(uint32(f.arg(3))), "POSIX_FADV_???")
}

var closeRangeFlags = xlat{{2, "CLOSE_RANGE_UNSHARE"}, {4, "CLOSE_RANGE_CLOEXEC"}}

func fmtCloseRange(f *formatter) {
	f.uint(0)
	f.sep()
	f.uint(1)
	f.sep()
	f.flags(closeRangeFlags, uint64(uint32(f.arg(2))), "CLOSE_RANGE_???")
}

// sysinfo's struct, in longs but procs (a u16) and mem_unit (a u32).
const sysinfoSize = 112

func capSysinfo(cp *Capture, _ bool) {
	if c := cp.call; cp.structs() && c.Exit != 0 && c.Errno == 0 {
		cp.readExact(argKey(0), cp.arg(0), sysinfoSize)
	}
}

func fmtSysinfo(f *formatter) {
	b := f.out(argKey(0))
	if b == nil {
		f.ptr(0)
		return
	}
	u := func(name string, off int) {
		f.s(name)
		f.s("=")
		f.u(le64(b[off:]))
	}
	u("{uptime", 0)
	f.s(", loads=[")
	for i := 0; i < 3; i++ {
		if i > 0 {
			f.sep()
		}
		f.u(le64(b[8+8*i:]))
	}
	f.s("]")
	for i, name := range []string{"totalram", "freeram", "sharedram", "bufferram", "totalswap", "freeswap"} {
		u(", "+name, 32+8*i)
	}
	f.s(", procs=")
	f.u(uint64(le16(b[80:])))
	u(", totalhigh", 88)
	u(", freehigh", 96)
	f.s(", mem_unit=")
	f.u(uint64(le32(b[104:])))
	f.s("}")
}

// Process ids and user ids as ints: getpgid, getsid, setpgid, setuid.
func fmtInt(f *formatter)     { f.int(0) }
func fmtTwoInts(f *formatter) { f.int(0); f.sep(); f.int(1) }
func fmtUID(f *formatter)     { f.uid(0) }
