package ptrace

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// The tracer goroutine sleeps in wait4(-1), which no signal interrupts
// (Go's handlers use SA_RESTART). Its wake-up is a child of ours, traced
// without syscall stops: a signal sent to it becomes a stop that wait4
// reports. Being a child, it also keeps wait4 from failing with ECHILD
// while nothing else is traced.

// doorbell is the tracer's wake-up child; ring is safe from any goroutine.
type doorbell struct {
	pid atomic.Int32 // 0: none
}

// ring wakes the tracer goroutine out of wait4: a signal to the doorbell
// is reported to it as a stop.
func (d *doorbell) ring() {
	if pid := d.pid.Load(); pid > 0 {
		unix.Tgkill(int(pid), int(pid), unix.SIGUSR1)
	}
}

// kill kills the doorbell and returns its PID for reap.
func (d *doorbell) kill() int32 {
	pid := d.pid.Swap(0)
	if pid > 0 {
		unix.Kill(int(pid), unix.SIGKILL)
	}
	return pid
}

// doorbellMask: all signals blocked but SIGUSR1, the bell.
var doorbellMask = allSignals &^ (1 << (unix.SIGUSR1 - 1))

// startDoorbell starts the doorbell and seizes it; its failure is the
// first sign that ptrace is not permitted.
func (t *Tracer) startDoorbell() error {
	pid, errno := spawnDoorbell(&doorbellMask)
	if errno != 0 {
		return fmt.Errorf("start tracer doorbell: clone: %w", errno)
	}
	if err := seize(int32(pid), unix.PTRACE_O_EXITKILL); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WALL, nil)
		return fmt.Errorf("ptrace is not permitted here (PTRACE_SEIZE of our own child: %v); run as root or with CAP_SYS_PTRACE", err)
	}
	t.bell.pid.Store(int32(pid))
	return nil
}

// probeSyscallInfo probes syscallInfoFeature on the doorbell, the one
// tracee the tracer always has, and starts another if it died meanwhile.
func (t *Tracer) probeSyscallInfo() bool {
	works, gone := syscallInfoWorks(t.bell.pid.Load())
	if gone {
		t.bell.pid.Store(0)
		if err := t.startDoorbell(); err != nil {
			t.log.Error("cannot restart the tracer doorbell", "err", err)
		}
	}
	return works
}

// handleDoorbell swallows the bell's signal, or starts a new doorbell if
// this one died, and answers the requests that rang.
func (t *Tracer) handleDoorbell(ws unix.WaitStatus) {
	if ws.Exited() || ws.Signaled() {
		t.bell.pid.Store(0)
		if err := t.startDoorbell(); err != nil {
			t.log.Error("cannot restart the tracer doorbell", "err", err)
		}
	} else if ws.Stopped() {
		resumeCont(t.bell.pid.Load(), 0) // swallow the signal
	}
	t.gov.tick(monoNow())
	t.serveRequests()
}

// reap waits for a child of ours to die, if pid names one.
func reap(pid int32) {
	if pid <= 0 {
		return
	}
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(int(pid), &ws, unix.WALL, nil); err != unix.EINTR {
			return
		}
	}
}
