package main

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// saNoCldStop is SA_NOCLDSTOP, the same on every Linux arch; x/sys has
// no SA_* constants.
const saNoCldStop = 1

// defaultAction gives sig the kernel's default action back, with flags.
// The Go runtime keeps a handler for every signal, and ignores some
// (SIGUSR2, SIGURG…); os/signal cannot undo that.
func defaultAction(sig syscall.Signal, flags uint64) error {
	// struct kernel_sigaction on amd64 and arm64: handler, flags, restorer, mask.
	act := [4]uint64{0 /* SIG_DFL */, flags, 0, 0}
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		return e
	}
	return nil
}

// exitLike returns the launched command's exit code; for a command killed
// by a signal it kills the exporter with the same signal, as strace does,
// so the caller sees the same wait status.
func exitLike(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		sig := ws.Signal()
		defaultAction(sig, 0)
		unix.Kill(os.Getpid(), sig)
		time.Sleep(time.Second)
		return 128 + int(sig)
	}
	return ws.ExitStatus()
}
