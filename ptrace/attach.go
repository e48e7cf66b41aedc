package ptrace

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// attach seizes every thread of pid, re-reading /proc/PID/task until a
// full pass finds no new thread, so a thread born meanwhile is not missed
// (threads born from a seized one are followed by TRACECLONE anyway).
func (t *Tracer) attach(pid int32) error {
	fail := func(reason backend.AttachReason, detail string) error {
		t.stats.AttachErrors[reason].Add(1)
		return &backend.AttachError{PID: int(pid), Reason: reason, Detail: detail}
	}
	if pid <= 0 {
		return fail(backend.ReasonNotFound, "not a process ID")
	}
	if int(pid) == os.Getpid() {
		return fail(backend.ReasonSelf, "that is the exporter itself")
	}
	if p := t.tab.procs[pid]; p != nil && t.tab.byTID[pid] != nil {
		return nil // already ours
	}
	attached := 0
	for {
		tids, err := t.fs.TaskIDs(pid)
		if err != nil {
			if attached > 0 {
				return nil // exited while we attached; its exits come through wait4
			}
			if errors.Is(err, os.ErrNotExist) {
				return fail(backend.ReasonNotFound, "no such process; check the PID")
			}
			return fail(backend.ReasonOther, err.Error())
		}
		fresh := 0
		for _, tid := range tids {
			if t.tab.byTID[tid] != nil {
				continue
			}
			if err := seize(tid, baseOptions); err != nil {
				if attached == 0 && tid == pid {
					return t.seizeFailed(pid, err, fail)
				}
				// ESRCH: the thread just exited. EPERM: it was auto-attached
				// through TRACECLONE and its first stop is still to come.
				continue
			}
			// Until the interrupt's stop, the thread runs untraced: its calls
			// are not seen. Interrupt first, then read its name and status.
			if err := interrupt(tid); err != nil && err != unix.ESRCH {
				t.log.Debug("interrupt after seize failed", "tid", tid, "err", err)
			}
			t.newThread(tid, nil, found)
			fresh++
			attached++
		}
		if fresh == 0 {
			break
		}
	}
	if attached == 0 {
		return fail(backend.ReasonNotFound, "process has no threads left")
	}
	t.log.Info("attached", "pid", pid, "threads", attached)
	return nil
}

func (t *Tracer) seizeFailed(pid int32, err error, fail func(backend.AttachReason, string) error) error {
	switch err {
	case unix.ESRCH:
		return fail(backend.ReasonNotFound, "no such process; check the PID")
	case unix.EPERM:
		st, serr := t.fs.Status(pid)
		if serr == nil && st.TracerPid != 0 {
			return fail(backend.ReasonAlreadyTraced, fmt.Sprintf("already traced by PID %d (%s); detach that tracer (strace, gdb) first", st.TracerPid, t.fs.Comm(st.TracerPid)))
		}
		if serr == nil && st.State[0] == 'Z' {
			return fail(backend.ReasonNotFound, "process is a zombie")
		}
		return fail(backend.ReasonPermissionDenied, "permission denied; run as root or the same user, with CAP_SYS_PTRACE (and check kernel.yama.ptrace_scope)")
	}
	return fail(backend.ReasonOther, "PTRACE_SEIZE: "+err.Error())
}
