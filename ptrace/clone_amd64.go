package ptrace

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls and arguments of clone_amd64.s, which reads them from
// go_asm.h as $const_NAME (unused sees no assembly).
//
//nolint:unused
const (
	sysClone        = unix.SYS_CLONE
	sysPrctl        = unix.SYS_PRCTL
	sysRtSigsuspend = unix.SYS_RT_SIGSUSPEND
	sysGetpid       = unix.SYS_GETPID
	sysKill         = unix.SYS_KILL
	sysSeccomp      = unix.SYS_SECCOMP
	sysExecve       = unix.SYS_EXECVE
	sysWrite        = unix.SYS_WRITE
	sysExitGroup    = unix.SYS_EXIT_GROUP

	prSetPdeathsig       = unix.PR_SET_PDEATHSIG
	prSetName            = unix.PR_SET_NAME
	prSetNoNewPrivs      = unix.PR_SET_NO_NEW_PRIVS
	seccompSetModeFilter = unix.SECCOMP_SET_MODE_FILTER
	sigKill              = int(unix.SIGKILL)
	sigStop              = int(unix.SIGSTOP)
)

// childArch is what clone_amd64.s's launch child reads of its plan.
type childArch struct {
	asm      launchRegs
	errLines []execErrLine
	stack    childStack
}

// launchRegs is what the assembly child reads, word by word (offsets from
// go_asm.h).
type launchRegs struct {
	name, path, argv, envp  uintptr
	filter, noNewPrivs      uintptr
	filterErr, filterErrLen uintptr
	errLines, nErrLines     uintptr
}

// execErrLine is an execErr as the assembly child reads it.
type execErrLine struct {
	errno, msg, len uintptr
}

// childStack is the launch child's stack. Its system calls from registers
// need none; it is there for the kernel's sake.
type childStack [64]uint64

// spawnDoorbell starts the doorbell as a process that shares our memory
// and descriptor table (CLONE_VM|CLONE_FILES) instead of a fork, which
// copies the runtime's page tables and makes our later writes
// copy-on-write faults (docs/performance.md, "The tracer's children").
// Sharing is safe because the child runs cloneChild's assembly only, on a
// stack of its own, and makes system calls only.
func spawnDoorbell(mask *uint64) (int, syscall.Errno) {
	top := uintptr(unsafe.Pointer(&doorbellStack[len(doorbellStack)-1])) &^ 15
	var old uint64
	return cloneBlocked(unix.CLONE_VM|unix.CLONE_FILES|uintptr(unix.SIGCHLD), top, mask, nil, &old)
}

// doorbellStack is the doorbell's stack. Its system calls from registers
// need none; it is there for the kernel's sake.
var doorbellStack [64]uint64

// spawnLaunch starts the launch child as a process that shares our
// memory (CLONE_VM) until its execve, as posix_spawn does, instead of a
// fork: a fork of the Go runtime copied its page tables, made each later
// write of ours to a shared page a copy-on-write fault, and the child's
// execve tore the copy down again. The child runs cloneChild's assembly
// only, on a stack of its own, and makes system calls only; every signal
// stays blocked in it (no Go handler may run on our memory), and the
// tracer gives the command its mask back at the exec stop. The plan and
// everything it points to must outlive the child's execve: Tracer.launch
// keeps it until then.
func spawnLaunch(p *childPlan) (int, syscall.Errno) {
	a := &p.asm
	a.name = uintptr(unsafe.Pointer(p.name))
	a.path = uintptr(unsafe.Pointer(p.path))
	a.argv = uintptr(unsafe.Pointer(p.argv))
	a.envp = uintptr(unsafe.Pointer(p.envp))
	if p.filter != nil {
		a.filter = uintptr(unsafe.Pointer(p.filter))
		if p.noNewPrivs {
			a.noNewPrivs = 1
		}
		a.filterErr, a.filterErrLen = uintptr(unsafe.Pointer(&p.filterErr[0])), uintptr(len(p.filterErr))
	}
	p.errLines = make([]execErrLine, len(p.execErrs))
	for i, e := range p.execErrs {
		p.errLines[i] = execErrLine{errno: uintptr(e.errno), msg: uintptr(unsafe.Pointer(&e.msg[0])), len: uintptr(len(e.msg))}
	}
	a.errLines, a.nErrLines = uintptr(unsafe.Pointer(&p.errLines[0])), uintptr(len(p.errLines))
	top := uintptr(unsafe.Pointer(&p.stack[len(p.stack)-1])) &^ 15

	syscall.ForkLock.Lock() // no descriptor half-made without CLOEXEC when the table is copied
	defer syscall.ForkLock.Unlock()
	return cloneBlocked(unix.CLONE_VM|uintptr(unix.SIGCHLD), top, nil, a, &p.oldMask)
}

// cloneBlocked clones with every signal blocked, so none reaches the
// child (it would run a Go handler on its stack, in our memory), and
// restores our mask, saved in old, in the parent.
func cloneBlocked(flags, stack uintptr, doorbellMask *uint64, launch *launchRegs, old *uint64) (int, syscall.Errno) {
	if _, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&allSignals)), uintptr(unsafe.Pointer(old)), sigsetSize, 0, 0); e != 0 {
		return 0, e
	}
	pid, errno := cloneChild(flags, stack, doorbellMask, launch)
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(old)), 0, sigsetSize, 0, 0)
	return pid, syscall.Errno(errno)
}

// cloneChild is in clone_amd64.s: with launch nil the child is the
// doorbell, sleeping with doorbellMask; else the launch child.
func cloneChild(flags, stack uintptr, doorbellMask *uint64, launch *launchRegs) (pid int, errno uintptr)
