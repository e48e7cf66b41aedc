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
	atomic.StoreInt32(&t.doorbell, int32(pid))
	return nil
}

// doorbellMask: all signals blocked but SIGUSR1, the bell.
var doorbellMask = allSignals &^ (1 << (unix.SIGUSR1 - 1))

// killDoorbell kills the doorbell and returns its PID for reap.
func (t *Tracer) killDoorbell() int32 {
	pid := atomic.SwapInt32(&t.doorbell, 0)
	if pid > 0 {
		unix.Kill(int(pid), unix.SIGKILL)
	}
	return pid
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

func (t *Tracer) handleDoorbell(ws unix.WaitStatus) {
	if ws.Exited() || ws.Signaled() {
		atomic.StoreInt32(&t.doorbell, 0)
		if err := t.startDoorbell(); err != nil {
			t.log.Error("cannot restart the tracer doorbell", "err", err)
		}
	} else if ws.Stopped() {
		resumeCont(t.doorbell, 0) // swallow the signal
	}
	if t.gov.enabled() {
		t.govTick(monoNow())
	}
	t.serveRequests()
}

func (t *Tracer) serveRequests() {
	for {
		select {
		case r := <-t.reqs:
			r.reply <- t.serve(r)
		default:
			return
		}
	}
}

func (t *Tracer) serve(r *request) error {
	switch r.kind {
	case reqAttach:
		if t.detaching {
			return errTracerStopped
		}
		return t.attach(r.pid)
	case reqLaunch:
		return t.launch(r.path, r.argv, r.env)
	case reqDetachAll:
		t.startDetach()
		return nil
	case reqSignalLaunched:
		if t.launchPid != 0 && !t.launchDone {
			return unix.Kill(int(t.launchPid), r.sig)
		}
		return nil
	}
	return nil
}
