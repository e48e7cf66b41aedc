package ptrace

import (
	"log/slog"
	"sync"

	"golang.org/x/sys/unix"
)

// The kernel features the tracer uses where it can, each with what it does
// where it cannot. Each is probed once per process, at its first use, and
// logged once.

// feature is one such kernel feature.
type feature struct {
	name     string // and the kernel or privilege it takes
	fallback string // what the tracer does without it
	once     sync.Once
	has      bool
}

var (
	syscallInfoFeature = feature{
		name:     "PTRACE_GET_SYSCALL_INFO (Linux 5.3)",
		fallback: "reading each syscall from the registers (amd64 and arm64 only)",
	}
	unprivilegedSeccompFeature = feature{
		name:     "seccomp filter without no_new_privs (CAP_SYS_ADMIN)",
		fallback: "the launched command runs with no_new_privs: set-user-ID programs gain no privileges in it",
	}
)

// available runs probe the first time it is asked, logs what it found,
// and answers from then on what it found.
func (f *feature) available(log *slog.Logger, probe func() bool) bool {
	f.once.Do(func() {
		f.has = probe()
		if f.has {
			log.Debug("kernel feature available", "feature", f.name)
		} else {
			log.Info("kernel feature unavailable; falling back", "feature", f.name, "fallback", f.fallback)
		}
	})
	return f.has
}

// syscallInfoWorks tells whether PTRACE_GET_SYSCALL_INFO answers for
// tracee, a running tracee of the calling thread: it is interrupted,
// asked, and resumed. Kernels before 5.3 answer EIO. gone: the tracee
// died instead of stopping, and its exit is reaped.
func syscallInfoWorks(tracee int32) (works, gone bool) {
	if err := interrupt(tracee); err != nil {
		return true, false // cannot tell; assume the kernel is not that old
	}
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(int(tracee), &ws, unix.WALL, nil); err != unix.EINTR {
			break
		}
	}
	if !ws.Stopped() {
		return true, ws.Exited() || ws.Signaled()
	}
	var info syscallInfo
	err := getSyscallInfo(tracee, &info)
	resumeCont(tracee, 0)
	return err != unix.EIO, false
}

// hasCapSysAdmin tells whether the calling thread may install a seccomp
// filter without no_new_privs. Capabilities belong to threads, and the
// launch child is a copy of the tracer thread, which calls this: capget
// on it, not /proc/self/status (the main thread's).
func hasCapSysAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[unix.CAP_SYS_ADMIN/32].Effective&(1<<(unix.CAP_SYS_ADMIN%32)) != 0
}
