package decode

// statfs(path, buf) and fstatfs(fd, buf): struct statfs as strace prints
// it, f_type by name (fsMagic, from strace's table), in the tracee's word
// size; f_flags only when the kernel marked them valid.

var statfsFlags = xlat{
	{0x20, "ST_VALID"}, {0x1, "ST_RDONLY"}, {0x2, "ST_NOSUID"}, {0x4, "ST_NODEV"}, {0x8, "ST_NOEXEC"},
	{0x10, "ST_SYNCHRONOUS"}, {0x40, "ST_MANDLOCK"}, {0x400, "ST_NOATIME"}, {0x800, "ST_NODIRATIME"},
	{0x1000, "ST_RELATIME"}, {0x2000, "ST_NOSYMFOLLOW"},
}

// struct statfs: eleven words (f_fsid two ints, one word's worth), then
// four spare words.
func statfsSize(ws int) int { return 15 * ws }

func capStatfsAt(path int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if path >= 0 {
			cp.readString(argKey(path), cp.arg(path), PathMax)
		}
		if c := cp.call; cp.structs() && c.Exit != 0 && c.Errno == 0 {
			cp.readExact(argKey(1), cp.arg(1), statfsSize(cp.wordsize()))
		}
	}
}

func (f *formatter) statfsBuf() {
	b := f.out(argKey(1))
	if b == nil {
		f.ptr(1)
		return
	}
	w := func(i int) uint64 { return f.word(b[i*f.ws:]) }
	f.s("{f_type=")
	f.xval(fsMagic, w(0), "")
	for i, name := range []string{"f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree"} {
		f.s(", ")
		f.s(name)
		f.s("=")
		f.u(w(1 + i))
	}
	fsid := b[7*f.ws:]
	f.s(", f_fsid={val=[")
	f.x(uint64(le32(fsid)))
	f.sep()
	f.x(uint64(le32(fsid[4:])))
	f.s("]}")
	next := 7*f.ws + 8
	word := func() uint64 { v := f.word(b[next:]); next += f.ws; return v }
	f.s(", f_namelen=")
	f.u(word())
	f.s(", f_frsize=")
	f.u(word())
	if flags := word(); flags&0x20 != 0 { // ST_VALID
		f.s(", f_flags=")
		f.flags(statfsFlags, flags, "ST_???")
	}
	f.s("}")
}

func fmtStatfs(f *formatter)  { f.path(0); f.sep(); f.statfsBuf() }
func fmtFstatfs(f *formatter) { f.fd(0); f.sep(); f.statfsBuf() }
