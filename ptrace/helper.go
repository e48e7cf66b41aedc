package ptrace

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The tracer re-executes its own binary (/proc/self/exe) in two helper
// modes, chosen by this environment variable. Programs that use the tracer
// must call RunHelper first thing in main (or TestMain).
const helperEnv = "SYSCALL_EXPORTER_PTRACE_HELPER"

const (
	helperLaunch   = "launch"
	helperDoorbell = "doorbell"
)

func init() {
	// The launch helper stops itself and calls execve; both must happen on
	// the main thread, the only one the tracer seizes.
	if m := os.Getenv(helperEnv); m == helperLaunch || m == helperDoorbell {
		runtime.LockOSThread()
	}
}

// RunHelper turns this process into a tracer helper if it was started as
// one, and never returns then. Otherwise it returns at once.
func RunHelper() {
	switch os.Getenv(helperEnv) {
	case helperDoorbell:
		// A traced child that the tracer signals to wake its wait4 loop.
		for {
			unix.Pause()
		}
	case helperLaunch:
		os.Unsetenv(helperEnv)
		if len(os.Args) < 3 {
			os.Exit(127)
		}
		// Take the name execve will give us, so the execve call, counted
		// when entered, is labelled with the command and not with us.
		unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(commOfPath(os.Args[1]))), 0, 0, 0)
		// Wait, stopped, until the tracer has seized us; it then sends
		// SIGCONT and follows us into the command.
		unix.Kill(unix.Getpid(), unix.SIGSTOP)
		if spec := os.Getenv(seccompEnv); spec != "" {
			os.Unsetenv(seccompEnv)
			if err := installSeccomp(spec); err != nil {
				fmt.Fprintf(os.Stderr, "syscall_exporter: cannot filter syscalls of %s: %v\n", os.Args[1], err)
				os.Exit(127)
			}
		}
		err := syscall.Exec(os.Args[1], os.Args[2:], os.Environ())
		fmt.Fprintf(os.Stderr, "syscall_exporter: cannot run %s: %v\n", os.Args[1], err)
		os.Exit(127)
	}
}

// commOfPath is the comm the kernel gives a program at execve: its base
// name, cut to 15 bytes, NUL-terminated.
func commOfPath(path string) *byte {
	name := []byte(filepath.Base(path))
	if len(name) > 15 {
		name = name[:15]
	}
	return &append(name, 0)[0]
}
