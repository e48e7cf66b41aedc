//go:build !amd64

package ptrace

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// childArch is what a forked child reads of its plan besides.
type childArch struct {
	doorbell  bool
	childMask uint64 // the doorbell's: all but SIGUSR1, its bell
}

// spawnDoorbell forks the doorbell; amd64 shares our memory
// instead (clone_amd64.go).
func spawnDoorbell(mask *uint64) (int, syscall.Errno) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return forkChild(&childPlan{childArch: childArch{doorbell: true, childMask: *mask}})
}

// spawnLaunch forks the launch child; amd64 shares our memory
// instead (clone_amd64.go).
func spawnLaunch(p *childPlan) (int, syscall.Errno) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return forkChild(p)
}

// forkChild forks; the parent gets the child's PID, the child never
// returns. Every signal is blocked across the fork, so the child never
// runs a Go signal handler. Call with syscall.ForkLock held.
//
//go:norace
//go:nosplit
func forkChild(p *childPlan) (pid int, errno syscall.Errno) {
	if _, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&allSignals)), uintptr(unsafe.Pointer(&p.oldMask)), sigsetSize, 0, 0); e != 0 {
		return 0, e
	}
	r, _, e := syscall.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if r != 0 || e != 0 {
		syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&p.oldMask)), 0, sigsetSize, 0, 0)
		return int(r), e
	}

	// The child.
	if p.doorbell {
		// Dies with the tracer thread; holds no descriptor of ours (a
		// copy would keep closed connections open); sleeps until signalled,
		// and every signal becomes a stop the tracer reports and swallows.
		syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
		if _, _, e := syscall.RawSyscall(unix.SYS_CLOSE_RANGE, 0, uintptr(^uint32(0)), 0); e != 0 {
			for fd := uintptr(0); fd < 1024; fd++ { // kernels before 5.9
				syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
			}
		}
		syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&p.childMask)), 0, sigsetSize, 0, 0)
		for {
			syscall.RawSyscall6(unix.SYS_PPOLL, 0, 0, 0, 0, 0, 0)
		}
	}
	// Die with the tracer thread even before it has seized us (once seized,
	// EXITKILL does the same), never to be left stopped.
	syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
	// Take the name execve will give us, so the execve call, counted when
	// entered, is labelled with the command and not with us.
	syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NAME, uintptr(unsafe.Pointer(p.name)), 0, 0, 0, 0)
	// Wait, stopped, until the tracer has seized us; it then sends SIGCONT
	// and follows us into the command.
	self, _, _ := syscall.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	syscall.RawSyscall(unix.SYS_KILL, self, uintptr(unix.SIGSTOP), 0)
	if p.filter != nil {
		if p.noNewPrivs {
			if _, _, e := syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
				childFail(p.filterErr)
			}
		}
		if _, _, e := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(p.filter))); e != 0 {
			childFail(p.filterErr)
		}
	}
	_, _, e = syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(p.path)), uintptr(unsafe.Pointer(p.argv)), uintptr(unsafe.Pointer(p.envp)))
	msg := p.execErrs[0].msg
	for i := range p.execErrs {
		if p.execErrs[i].errno == e {
			msg = p.execErrs[i].msg
		}
	}
	childFail(msg)
	return 0, 0 // not reached
}

// childFail ends a forked child like a shell that found a command but
// cannot run it: status cannotExecStatus.
//
//go:norace
//go:nosplit
func childFail(msg []byte) {
	if len(msg) > 0 {
		syscall.RawSyscall(unix.SYS_WRITE, stderrFD, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
	}
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, cannotExecStatus, 0, 0)
	}
}
