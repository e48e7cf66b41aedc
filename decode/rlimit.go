package decode

// prlimit64(pid, resource, new, old), getrlimit and setrlimit (strace's
// resource.c): limits as 8192*1024 when a multiple of 1024, and
// RLIM64_INFINITY (RLIM_INFINITY for i386's 32-bit struct rlimit).

var resources = xlat{
	{0, "RLIMIT_CPU"}, {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"}, {3, "RLIMIT_STACK"}, {4, "RLIMIT_CORE"},
	{5, "RLIMIT_RSS"}, {6, "RLIMIT_NPROC"}, {7, "RLIMIT_NOFILE"}, {8, "RLIMIT_MEMLOCK"}, {9, "RLIMIT_AS"},
	{10, "RLIMIT_LOCKS"}, {11, "RLIMIT_SIGPENDING"}, {12, "RLIMIT_MSGQUEUE"}, {13, "RLIMIT_NICE"},
	{14, "RLIMIT_RTPRIO"}, {15, "RLIMIT_RTTIME"},
}

func (f *formatter) rlim(v uint64, size int) {
	infinity, name := ^uint64(0), "RLIM64_INFINITY"
	if size == 4 {
		infinity, name = uint64(^uint32(0)), "RLIM_INFINITY"
	}
	switch {
	case v == infinity:
		f.s(name)
	case v > 1024 && v%1024 == 0:
		f.u(v / 1024)
		f.s("*1024")
	default:
		f.u(v)
	}
}

// rlimit prints a struct rlimit of two size-byte limits.
func (f *formatter) rlimit(b []byte, i, size int) {
	if b == nil {
		f.ptr(i)
		return
	}
	f.s("{rlim_cur=")
	f.rlim(loadWord(b, size), size)
	f.s(", rlim_max=")
	f.rlim(loadWord(b[size:], size), size)
	f.s("}")
}

func capPrlimit(cp *Capture, _ bool) {
	if !cp.structs() {
		return
	}
	cp.readExact(argKey(2), cp.arg(2), 16)
	if c := cp.call; c.Exit != 0 && c.Errno == 0 {
		cp.readExact(argKey(3), cp.arg(3), 16)
	}
}

func fmtPrlimit(f *formatter) {
	f.int(0)
	f.sep()
	f.xval(resources, uint64(uint32(f.arg(1))), "RLIMIT_???")
	f.sep()
	f.rlimit(f.seg(argKey(2)), 2, 8)
	f.sep()
	f.rlimit(f.out(argKey(3)), 3, 8)
}

func capRlimit(get bool) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if c := cp.call; cp.structs() && (!get || c.Exit != 0 && c.Errno == 0) {
			cp.readExact(argKey(1), cp.arg(1), 2*cp.wordsize())
		}
	}
}

func fmtGetrlimit(f *formatter) {
	f.xval(resources, uint64(uint32(f.arg(0))), "RLIMIT_???")
	f.sep()
	f.rlimit(f.out(argKey(1)), 1, f.ws)
}

func fmtSetrlimit(f *formatter) {
	f.xval(resources, uint64(uint32(f.arg(0))), "RLIMIT_???")
	f.sep()
	f.rlimit(f.seg(argKey(1)), 1, f.ws)
}
