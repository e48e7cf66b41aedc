package ebpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// commLen is the longest name the kernel keeps (TASK_COMM_LEN - 1).
const commLen = 15

// launchState is the command the tracer launched, if any.
type launchState struct {
	pid    int
	name   string // its name until its execve, as the kernel will name it
	exited bool
	status syscall.WaitStatus
}

// finished says whether the launched command and every process it made
// are gone, given the threads followed now.
func (c *launchState) finished(threads int) bool {
	return c.pid != 0 && c.exited && threads == 0
}

// Launch starts the command. The programs are attached already: the fork
// program sees the launcher thread's child and makes it a target before
// it runs, counted from its execve on. The child dies with the launcher
// thread (Pdeathsig), which lives as long as the exporter.
func (t *Tracer) Launch(path string, argv, env []string) error {
	t.mu.Lock()
	if t.cmd.pid != 0 {
		t.mu.Unlock()
		return errors.New("a command is already launched")
	}
	name := filepath.Base(path)
	if len(name) > commLen {
		name = name[:commLen]
	}
	t.cmd.name = name
	t.mu.Unlock()
	started := make(chan error, 1)
	go t.launcher(path, argv, env, started)
	return <-started
}

func (t *Tracer) launcher(path string, argv, env []string, started chan<- error) {
	runtime.LockOSThread()
	// Never unlocked: Pdeathsig fires when this thread ends, so it must
	// live until the command has gone.
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		started <- errors.New("tracer stopped")
		return
	}
	err := t.objs.LauncherTid.Set(uint32(unix.Gettid()))
	t.mu.Unlock()
	if err != nil {
		started <- err
		return
	}
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	t.mu.Lock()
	if !t.closed {
		t.objs.LauncherTid.Set(uint32(0))
	}
	t.mu.Unlock()
	if errno, ok := err.(syscall.Errno); ok && pid == 0 {
		// Found but not run: end as a shell would (126, or 127 when it is
		// gone), as the ptrace backend does.
		fmt.Fprintf(os.Stderr, "syscall_exporter: cannot run %s: %v\n", path, errno)
		code := 126
		if errno == syscall.ENOENT {
			code = 127
		}
		t.mu.Lock()
		t.cmd.pid, t.cmd.exited, t.cmd.status = -1, true, syscall.WaitStatus(code<<8)
		t.mu.Unlock()
		started <- nil
		return
	}
	if err != nil {
		started <- err
		return
	}
	t.mu.Lock()
	t.cmd.pid = pid
	t.mu.Unlock()
	started <- nil
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	t.mu.Lock()
	t.cmd.exited, t.cmd.status = true, ws
	t.mu.Unlock()
	t.wake()
}
