package ebpf

import (
	"errors"
	"io"
	"os"

	cebpf "github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// maxAdoptPasses bounds the iterator passes of an attach: each adopts the
// threads born before it that no fork event covered.
const maxAdoptPasses = 8

// Attach makes every thread of pid a target. It holds mu throughout: the
// reader applies the iterator's events after it. The leader gets task storage
// through its pidfd, which names it in the exporter's PID namespace; an
// iterator over the host's tasks then gives it to the leader's threads,
// and the fork program to every thread or process they make.
func (t *Tracer) Attach(pid int) error {
	fail := func(reason backend.AttachReason, detail string) error {
		t.stats.AttachErrors[reason].Add(1)
		return &backend.AttachError{PID: pid, Reason: reason, Detail: detail}
	}
	if pid <= 0 {
		return fail(backend.ReasonNotFound, "not a process ID")
	}
	if pid == os.Getpid() {
		return fail(backend.ReasonSelf, "that is the exporter itself")
	}
	select {
	case <-t.done:
		return errors.New("tracer stopped")
	default:
	}
	if t.tab.traced.Has(int32(pid)) {
		return nil
	}
	fd, err := unix.PidfdOpen(pid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return fail(backend.ReasonNotFound, "no such process; check the PID")
	case errors.Is(err, unix.EINVAL):
		return fail(backend.ReasonNotFound, "not a process ID (a thread's?)")
	case err != nil:
		return fail(backend.ReasonOther, "pidfd_open: "+err.Error())
	}
	name := t.fs.Comm(int32(pid))

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		unix.Close(fd)
		return errors.New("tracer stopped")
	}
	lid := t.tab.userLid()
	th := &thread{Thread: backend.Thread{TID: int32(pid), PID: int32(pid), Process: name, Name: name}}
	t.start(th, lid)
	// Held while the leader lives: it shows in /proc/self/fdinfo which
	// processes were attached.
	t.tab.pidfds[int32(pid)] = fd
	state := tracerTaskState{Lid: lid, Counting: 1}
	if err := t.objs.Tasks.Update(int32(fd), &state, cebpf.UpdateNoExist); err != nil {
		t.exited(th)
		if errors.Is(err, unix.ESRCH) {
			return fail(backend.ReasonNotFound, "process exited")
		}
		return fail(backend.ReasonOther, "task storage: "+err.Error())
	}
	adopted, err := t.adoptThreads()
	if err != nil {
		t.log.Warn("cannot attach to the threads of a process; only its leader is traced", "pid", pid, "err", err)
	}
	t.log.Info("attached", "pid", pid, "threads", 1+adopted)
	return nil
}

// adoptThreads runs the iterator until a pass adopts no thread.
func (t *Tracer) adoptThreads() (int, error) {
	total := 0
	for pass := 0; pass < maxAdoptPasses; pass++ {
		it, err := link.AttachIter(link.IterOptions{Program: t.objs.AdoptThreads})
		if err != nil {
			return total, err
		}
		r, err := it.Open()
		if err != nil {
			it.Close()
			return total, err
		}
		n, err := io.Copy(io.Discard, r)
		r.Close()
		it.Close()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n == 0 {
			break
		}
	}
	return total, nil
}
