package ptrace

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// spawnDoorbell starts the doorbell as a process that shares our memory
// and descriptor table (CLONE_VM|CLONE_FILES) instead of a fork: a fork
// copied the page tables of the whole runtime, made every later write of
// ours to a page it shared a copy-on-write fault (the doorbell never
// execs, so they stayed shared), and its exit tore a copy of the address
// space down. That was ~1 ms of a launched command's 8 (perf, page
// faults). Sharing is safe because the child runs cloneDoorbell's
// assembly only, on a stack of its own, and makes system calls only.
func spawnDoorbell(mask *uint64) (int, syscall.Errno) {
	top := uintptr(unsafe.Pointer(&doorbellStack[len(doorbellStack)-1])) &^ 15
	// Every signal blocked across the clone, so none reaches the child
	// (which would run a Go handler on its stack) before it sleeps with
	// only the bell deliverable.
	var old uint64
	if _, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&allSignals)), uintptr(unsafe.Pointer(&old)), sigsetSize, 0, 0); e != 0 {
		return 0, e
	}
	pid, errno := cloneDoorbell(unix.CLONE_VM|unix.CLONE_FILES|uintptr(unix.SIGCHLD), top, mask)
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&old)), 0, sigsetSize, 0, 0)
	return pid, syscall.Errno(errno)
}

// doorbellStack is the doorbell's stack. Its system calls from registers
// need none; it is there for the kernel's sake.
var doorbellStack [64]uint64

// cloneDoorbell is in doorbell_amd64.s.
func cloneDoorbell(flags, stack uintptr, mask *uint64) (pid int, errno uintptr)
