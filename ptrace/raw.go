package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's ptrace ABI as the tracer uses it: x/sys's constants where
// it has them, and here what it lacks. The requests on the stop path use
// RawSyscall: they never block, and skipping the scheduler hand-off is
// worth it per stop (docs/performance.md, "Raw system calls").

const baseOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACECLONE |
	unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEEXIT

// syscallTrap is the signal of a syscall stop under PTRACE_O_TRACESYSGOOD.
const syscallTrap = int(unix.SIGTRAP) | 0x80

const (
	syscallInfoEntry   = unix.PTRACE_SYSCALL_INFO_ENTRY
	syscallInfoExit    = unix.PTRACE_SYSCALL_INFO_EXIT
	syscallInfoSeccomp = unix.PTRACE_SYSCALL_INFO_SECCOMP
)

// What x/sys lacks.
const (
	commLen     = 15   // TASK_COMM_LEN - 1: the longest comm
	maxErrno    = 4095 // MAX_ERRNO: returns in -maxErrno..-1 are errors
	sigsetSize  = 8    // the kernel's sigset_t: 64 signals on every arch we build
	saNoCldStop = 1    // SA_NOCLDSTOP, the same on every Linux arch
)

// isErrno tells whether a syscall's return value is an error.
func isErrno(rval int64) bool { return rval < 0 && rval >= -maxErrno }

// syscallInfo mirrors struct ptrace_syscall_info (88 bytes on every arch).
type syscallInfo struct {
	Op     uint8
	_      uint8
	Flags  uint16
	Arch   uint32
	IP     uint64
	SP     uint64
	Data   [7]uint64 // entry/seccomp: nr, args[6]; exit: rval, is_error (low byte)
	RetDat uint32
	_      uint32
}

func ptraceRaw(req int, tid int32, addr, data uintptr) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func getSyscallInfo(tid int32, info *syscallInfo) error {
	return ptraceRaw(unix.PTRACE_GET_SYSCALL_INFO, tid, unsafe.Sizeof(*info), uintptr(unsafe.Pointer(info)))
}

func seize(tid int32, opts int) error {
	return ptraceRaw(unix.PTRACE_SEIZE, tid, 0, uintptr(opts))
}

func interrupt(tid int32) error { return ptraceRaw(unix.PTRACE_INTERRUPT, tid, 0, 0) }
func listen(tid int32) error    { return ptraceRaw(unix.PTRACE_LISTEN, tid, 0, 0) }

func resumeSyscall(tid int32, sig int) error {
	return ptraceRaw(unix.PTRACE_SYSCALL, tid, 0, uintptr(sig))
}

func resumeCont(tid int32, sig int) error {
	return ptraceRaw(unix.PTRACE_CONT, tid, 0, uintptr(sig))
}

func detach(tid int32, sig int) error {
	return ptraceRaw(unix.PTRACE_DETACH, tid, 0, uintptr(sig))
}

func setSigmask(tid int32, mask uint64) error {
	return ptraceRaw(unix.PTRACE_SETSIGMASK, tid, sigsetSize, uintptr(unsafe.Pointer(&mask)))
}

func eventMsg(tid int32) (uint64, error) {
	var msg uint64
	err := ptraceRaw(unix.PTRACE_GETEVENTMSG, tid, 0, uintptr(unsafe.Pointer(&msg)))
	return msg, err
}

// sigchldDiscarded gives SIGCHLD its default action back, with
// SA_NOCLDSTOP. The kernel raises SIGCHLD in the tracer at every tracee
// stop (unless SA_NOCLDSTOP) and at every traced thread's exit, and Go's
// handler for it runs on the tracer thread each time, a good part of a
// stop (docs/performance.md, "SIGCHLD"). The default action of SIGCHLD
// is to ignore it, so the kernel now drops it when it is sent; unlike
// SIG_IGN (signal.Ignore), SIG_DFL does not make the kernel reap our
// children, so a launched command's status is kept. Nothing in the
// exporter asks os/signal for SIGCHLD.
func sigchldDiscarded() error {
	// struct kernel_sigaction on amd64 and arm64: handler, flags, restorer, mask.
	act := [4]uint64{0 /* SIG_DFL */, saNoCldStop, 0, 0}
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&act)), 0, sigsetSize, 0, 0); e != 0 {
		return e
	}
	return nil
}
