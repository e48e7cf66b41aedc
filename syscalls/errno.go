package syscalls

import (
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// The kernel-internal errnos 512..516 (include/linux/errno.h). A tracer sees
// them at the exit stop of a syscall that a signal interrupted; the kernel
// then restarts it or turns them into EINTR, so the application never sees
// them.
const (
	firstRestart = 512 // ERESTARTSYS
	lastRestart  = 516 // ERESTART_RESTARTBLOCK
)

var restartNames = [lastRestart - firstRestart + 1]string{
	"ERESTARTSYS",
	"ERESTARTNOINTR",
	"ERESTARTNOHAND",
	"ENOIOCTLCMD",
	"ERESTART_RESTARTBLOCK",
}

// ErrnoName returns the symbolic name of errno, e.g. "ENOENT", including the
// kernel-internal restart codes, or "errno_<n>" for a number without one.
// Known names cost no allocation.
//
// x/sys names errnos after the build's GOARCH; that is right for every traced
// arch here, as x86_64, aarch64 and i386 share the generic errno numbers.
func ErrnoName(errno uint16) string {
	if IsRestart(errno) {
		return restartNames[errno-firstRestart]
	}
	if name := unix.ErrnoName(syscall.Errno(errno)); name != "" {
		return name
	}
	return "errno_" + strconv.FormatUint(uint64(errno), 10)
}

// IsRestart reports whether errno is one of the kernel-internal restart codes
// (512..516): the syscall was interrupted and will be restarted or fail with
// EINTR, so it is no error the application sees.
func IsRestart(errno uint16) bool {
	return errno >= firstRestart && errno <= lastRestart
}
