package decode

// Calls on descriptors alone: close, dup, dup2, dup3, lseek, pipe, pipe2,
// listen, shutdown, fsync and the like.

func fmtFD(f *formatter) { f.fd(0) }

func fmtDup(f *formatter)  { f.fd(0); f.newFD = true }
func fmtDup2(f *formatter) { f.fd(0); f.sep(); f.int(1); f.newFD = true }
func fmtDup3(f *formatter) {
	fmtDup2(f)
	f.sep()
	f.flags(openFlags(f.c.Arch), uint64(uint32(f.arg(2))), "O_???")
}

var whenceCodes = xlat{{0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}}

func fmtLseek(f *formatter) {
	f.fd(0)
	f.sep()
	f.long(1)
	f.sep()
	f.xval(whenceCodes, uint64(uint32(f.arg(2))), "SEEK_???")
}

// pipe(fds[2]), pipe2(fds[2], flags): the pair the call wrote.
func capPipe(cp *Capture, _ bool) {
	if c := cp.call; c.Exit != 0 && c.Errno == 0 && cp.structs() {
		cp.readExact(argKey(0), cp.arg(0), 8)
	}
}

func (f *formatter) fdPair(i int) {
	b := f.out(argKey(i))
	if b == nil {
		f.ptr(i)
		return
	}
	f.s("[")
	f.d(int64(int32(le32(b))))
	f.sep()
	f.d(int64(int32(le32(b[4:]))))
	f.s("]")
}

func fmtPipe(f *formatter) { f.fdPair(0) }
func fmtPipe2(f *formatter) {
	f.fdPair(0)
	f.sep()
	f.flags(openFlags(f.c.Arch), uint64(uint32(f.arg(1))), "O_???")
}

func fmtListen(f *formatter) { f.fd(0); f.sep(); f.int(1) }

var shutdownModes = xlat{{0, "SHUT_RD"}, {1, "SHUT_WR"}, {2, "SHUT_RDWR"}}

func fmtShutdown(f *formatter) {
	f.fd(0)
	f.sep()
	f.xval(shutdownModes, uint64(uint32(f.arg(1))), "SHUT_???")
}
