package ptrace

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// attach seizes every thread of pid, re-reading /proc/PID/task until a
// full pass finds no new thread, so a thread born meanwhile is not missed
// (threads born from a seized one are followed by TRACECLONE anyway).
func (t *Tracer) attach(pid int32) error {
	fail := func(reason AttachReason, detail string) error {
		t.Stats.AttachErrors[reason].Add(1)
		return &AttachError{PID: int(pid), Reason: reason, Detail: detail}
	}
	if pid <= 0 {
		return fail(ReasonNotFound, "not a process ID")
	}
	if int(pid) == os.Getpid() {
		return fail(ReasonSelf, "that is the exporter itself")
	}
	if p := t.procs[pid]; p != nil && t.threads[pid] != nil {
		return nil // already ours
	}
	attached := 0
	for {
		tids, err := taskIDs(pid)
		if err != nil {
			if attached > 0 {
				return nil // exited while we attached; its exits come through wait4
			}
			if errors.Is(err, os.ErrNotExist) {
				return fail(ReasonNotFound, "no such process; check the PID")
			}
			return fail(ReasonOther, err.Error())
		}
		fresh := 0
		for _, tid := range tids {
			if t.threads[tid] != nil {
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
			th := t.newThread(tid, nil, found)
			if err := interrupt(tid); err != nil && err != unix.ESRCH {
				t.log.Debug("interrupt after seize failed", "tid", tid, "err", err)
			}
			_ = th
			fresh++
			attached++
		}
		if fresh == 0 {
			break
		}
	}
	if attached == 0 {
		return fail(ReasonNotFound, "process has no threads left")
	}
	t.log.Info("attached", "pid", pid, "threads", attached)
	return nil
}

func (t *Tracer) seizeFailed(pid int32, err error, fail func(AttachReason, string) error) error {
	switch err {
	case unix.ESRCH:
		return fail(ReasonNotFound, "no such process; check the PID")
	case unix.EPERM:
		if st, serr := readStatus(pid); serr == nil && st.TracerPid != 0 {
			return fail(ReasonAlreadyTraced, fmt.Sprintf("already traced by PID %d (%s); detach that tracer (strace, gdb) first", st.TracerPid, commOf(st.TracerPid)))
		}
		if st, serr := readStatus(pid); serr == nil && st.State == 'Z' {
			return fail(ReasonNotFound, "process is a zombie")
		}
		return fail(ReasonPermissionDenied, "permission denied; run as root or the same user, with CAP_SYS_PTRACE (and check kernel.yama.ptrace_scope)")
	}
	return fail(ReasonOther, "PTRACE_SEIZE: "+err.Error())
}

func commOf(pid int32) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/comm")
	if err != nil || len(b) == 0 {
		return "?"
	}
	return string(b[:len(b)-1])
}
