package decode

// exit and exit_group print their status as an int; they never return,
// so their result is "= ?". umask's result is octal. getcwd's buffer is
// the path the call wrote.

func fmtExit(f *formatter) { f.int(0) }

func fmtUmask(f *formatter) { f.o(uint64(uint16(f.arg(0)))); f.ret = retOctal }

func capGetcwd(cp *Capture, _ bool) {
	if c := cp.call; c.Exit != 0 && c.Errno == 0 {
		cp.readString(argKey(0), cp.arg(0), PathMax)
	}
}

func fmtGetcwd(f *formatter) {
	if f.failed() || !f.returned() {
		f.ptr(0)
	} else {
		f.path(0)
	}
	f.sep()
	f.ulong(1)
}
