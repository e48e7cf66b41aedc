package decode

import "strconv"

// Signals as strace names them (signal.c): SIGHUP..SIGSYS, SIGRTMIN for
// 32, SIGRT_n above; sets as [USR1 RTMIN RT_1], or ~[...] when two thirds
// or more of the bits are set. kill, tkill, tgkill, rt_sigaction,
// rt_sigprocmask.

var signalNames = [...]string{
	"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
	"SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
	"SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS", "SIGRTMIN",
}

const (
	sigRTMin = 32
	sigRTMax = 64
)

// signalName is strace's signame: "" for a number without a name.
func signalName(sig int32) string {
	switch {
	case sig > 0 && int(sig) < len(signalNames):
		return signalNames[sig]
	case sig > sigRTMin && sig <= sigRTMax:
		return "SIGRT_" + strconv.Itoa(int(sig-sigRTMin))
	}
	return ""
}

// SignalName is the name strace gives signal sig ("SIGSEGV", "SIGRT_2"),
// or its number.
func SignalName(sig int) string {
	if s := signalName(int32(sig)); s != "" {
		return s
	}
	return strconv.Itoa(sig)
}

func (f *formatter) signal(sig int32) {
	if s := signalName(sig); s != "" {
		f.s(s)
		return
	}
	f.d(int64(sig))
}

// sigset prints the first n bytes (at most 8) of a signal mask.
func (f *formatter) sigset(mask []byte) {
	words := (len(mask) + 3) / 4
	if words > 2 {
		words = 2
	}
	var bits uint64
	for i := 0; i < len(mask) && i < 8; i++ {
		bits |= uint64(mask[i]) << (8 * i)
	}
	nbits := words * 32
	if nbits < 64 {
		bits &= 1<<nbits - 1
	}
	set := 0
	for v := bits; v != 0; v &= v - 1 {
		set++
	}
	if set >= nbits*2/3 {
		f.s("~")
		bits = ^bits
		if nbits < 64 {
			bits &= 1<<nbits - 1
		}
	}
	f.s("[")
	first := true
	for i := 0; i < nbits; i++ {
		if bits&(1<<i) == 0 {
			continue
		}
		if !first {
			f.s(" ")
		}
		first = false
		sig := i + 1
		switch {
		case sig < len(signalNames):
			f.s(signalNames[sig][3:])
		case sig >= sigRTMin && sig <= sigRTMax:
			f.s("RT_")
			f.u(uint64(sig - sigRTMin))
		}
	}
	f.s("]")
}

func fmtKill(f *formatter)   { f.int(0); f.sep(); f.signal(int32(f.arg(1))) }
func fmtTgkill(f *formatter) { f.int(0); f.sep(); f.int(1); f.sep(); f.signal(int32(f.arg(2))) }

// sigactionSize is the kernel's struct sigaction on x86_64, i386 and
// aarch64: handler, flags, restorer (words), then the 8-byte mask.
func sigactionSize(ws int) int { return 3*ws + 8 }

var saHandlers = xlat{{0, "SIG_DFL"}, {1, "SIG_IGN"}}

var sigactFlags = xlat{
	{0x04000000, "SA_RESTORER"}, {0x08000000, "SA_ONSTACK"}, {0x10000000, "SA_RESTART"},
	{0x20000000, "SA_INTERRUPT"}, {0x40000000, "SA_NODEFER"}, {0x80000000, "SA_RESETHAND"},
	{4, "SA_SIGINFO"}, {1, "SA_NOCLDSTOP"}, {2, "SA_NOCLDWAIT"},
}

const saRestorer = 0x04000000

func capSigaction(cp *Capture, _ bool) {
	if !cp.structs() {
		return
	}
	size := sigactionSize(cp.wordsize())
	cp.readExact(argKey(1), cp.arg(1), size)
	if c := cp.call; c.Exit != 0 && c.Errno == 0 {
		cp.readExact(argKey(2), cp.arg(2), size)
	}
}

func (f *formatter) sigaction(b []byte, i int) {
	if b == nil {
		f.ptr(i)
		return
	}
	handler := f.word(b)
	f.s("{sa_handler=")
	if s, ok := saHandlers.lookup(handler); ok {
		f.s(s)
	} else if f.ws == 4 && handler == 0xffffffff || handler == ^uint64(0) {
		f.s("SIG_ERR")
	} else {
		f.addr(handler)
	}
	flags := f.word(b[f.ws:])
	f.s(", sa_mask=")
	f.sigset(b[3*f.ws : 3*f.ws+8])
	f.s(", sa_flags=")
	f.flags(sigactFlags, flags, "SA_???")
	if flags&saRestorer != 0 {
		f.s(", sa_restorer=")
		f.addr(f.word(b[2*f.ws:]))
	}
	f.s("}")
}

func fmtRtSigaction(f *formatter) {
	f.signal(int32(f.arg(0)))
	f.sep()
	f.sigaction(f.seg(argKey(1)), 1)
	f.sep()
	f.sigaction(f.out(argKey(2)), 2)
	f.sep()
	f.ulong(3)
}

var sigprocmaskCmds = xlat{{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}}

// capSigmask reads the sets a call passes (arg in) and fills (arg out, -1
// for none), of size bytes (strace reads up to 8).
func capSigmask(in, out, sizeArg int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if !cp.structs() {
			return
		}
		n := cp.arg(sizeArg)
		if n < uint64(cp.wordsize()) || n > 8 {
			return
		}
		if in >= 0 {
			cp.readExact(argKey(in), cp.arg(in), int(n))
		}
		if c := cp.call; out >= 0 && c.Exit != 0 && c.Errno == 0 {
			cp.readExact(argKey(out), cp.arg(out), int(n))
		}
	}
}

// sigsetArg prints a sigset argument of n bytes (print_sigset_addr_len).
func (f *formatter) sigsetArg(i int, b []byte, n uint64) {
	if n < uint64(f.ws) || n > 8 || b == nil {
		f.ptr(i)
		return
	}
	f.sigset(b)
}

func fmtRtSigprocmask(f *formatter) {
	f.xval(sigprocmaskCmds, uint64(uint32(f.arg(0))), "SIG_???")
	f.sep()
	n := f.arg(3)
	f.sigsetArg(1, f.seg(argKey(1)), n)
	f.sep()
	f.sigsetArg(2, f.out(argKey(2)), n)
	f.sep()
	f.ulong(3)
}

// rt_sigsuspend(mask, size), rt_sigpending(set, size).
func fmtRtSigsuspend(f *formatter) {
	f.sigsetArg(0, f.seg(argKey(0)), f.arg(1))
	f.sep()
	f.ulong(1)
}
