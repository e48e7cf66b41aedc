package ptrace

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// spawnLaunch starts the launch child as a process that shares our
// memory (CLONE_VM) until its execve, as posix_spawn does, instead of a
// fork: a fork of the Go runtime copied its page tables, made each later
// write of ours to a shared page a copy-on-write fault, and the child's
// execve tore the copy down again. The child runs launchChild's assembly
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
	if _, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&allSignals)), uintptr(unsafe.Pointer(&p.oldMask)), sigsetSize, 0, 0); e != 0 {
		return 0, e
	}
	pid, errno := launchChild(unix.CLONE_VM|uintptr(unix.SIGCHLD), top, a)
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&p.oldMask)), 0, sigsetSize, 0, 0)
	return pid, syscall.Errno(errno)
}

// launchChild is in spawn_amd64.s.
func launchChild(flags, stack uintptr, regs *launchRegs) (pid int, errno uintptr)
