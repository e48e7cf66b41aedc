package ptrace

import (
	"bytes"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// execStop handles PTRACE_EVENT_EXEC. A non-leader thread that execs takes
// over the leader's TID; the old leader vanishes without an exit report.
func (t *Tracer) execStop(th *thread) {
	th.counting, th.proc.counting = true, true // also when the filter hides execve itself
	t.launchExeced(th)
	// Only a process with another thread we follow can have exec'd from
	// a thread other than th; most have one, and skip the request.
	if th.proc.threads == 1 {
		t.renameAfterExec(th)
		return
	}
	msg, err := eventMsg(th.TID)
	if err == nil && int32(msg) != th.TID {
		former := t.tab.byTID[int32(msg)]
		if former != nil {
			// th is the old leader's entry: the exec'ing thread now owns
			// its TID. Drop the leader, move the exec'ing thread's state.
			leaderTID := th.TID
			t.dropThread(th)
			delete(t.tab.byTID, former.TID)
			former.TID = leaderTID
			t.tab.byTID[leaderTID] = former
			th = former
			if t.tab.procs[th.proc.pid] == nil {
				t.addProcess(th.proc)
			}
		}
	}
	t.renameAfterExec(th)
}

// renameAfterExec gives the thread that exec'd its new name: the
// program's, from the path it was exec'd by where the exec entry could
// read it, else from /proc. It leads its process now.
func (t *Tracer) renameAfterExec(th *thread) {
	t.releaseInterrupted(th) // the program whose frames they were is gone
	th.proc.commFDs = nil
	if th.inSyscall && th.execName.ok && watched[th.arch.Index()].isExec(th.nr) {
		th.Process = backend.ValidName(th.execName.String())
	} else {
		th.Process = t.fs.Comm(th.PID)
	}
	th.Name = th.Process
	th.execName.ok = false
	th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
}

// The name a program gets at execve is the last element of the path it
// was exec'd by, cut to 15 bytes (kbasename(bprm->filename) in the
// kernel's begin_new_exec). Taking it from the tracee's memory at the
// execve entry stop costs one process_vm_readv, far less than reading
// /proc/PID/comm after the exec (docs/performance.md, "Names at exec").

// execName is the name an exec'ing thread will have if its exec succeeds.
type execName struct {
	b  [commLen]byte
	n  uint8
	ok bool
}

func (e *execName) String() string { return string(e.b[:e.n]) }

// noteExecName runs at the entry stop of an exec call. Only where the
// kernel names the program after the path as passed: not for
// execveat(fd, "", AT_EMPTY_PATH) nor a path relative to a descriptor,
// which it names after the file or "/dev/fd/N/..." (then /proc tells).
func (t *Tracer) noteExecName(th *thread, w *watchedNrs) {
	th.execName.ok = false
	addr, relativeToFD := th.args[0], false
	if th.nr == w.execveat {
		addr, relativeToFD = th.args[1], int32(th.args[0]) != unix.AT_FDCWD
	}
	path := &t.path
	if !path.read(th.TID, addr) || relativeToFD && path.buf[0] != '/' {
		return
	}
	end := bytes.IndexByte(path.buf[:], 0)
	if end <= 0 {
		return // unterminated or empty: the exec fails, or /proc tells
	}
	start := bytes.LastIndexByte(path.buf[:end], '/') + 1
	th.execName.n = uint8(copy(th.execName.b[:], path.buf[start:end]))
	th.execName.ok = true
}

// pathReader reads a path from a tracee's memory into buffers of its own,
// fields of the Tracer, so that no exec allocates.
type pathReader struct {
	buf    [unix.PathMax]byte
	local  [1]unix.Iovec
	remote [2]unix.RemoteIovec
}

// read copies up to PATH_MAX bytes at addr in tid's memory into r.buf and
// NUL-terminates what it got, in one process_vm_readv (a shorter first
// read is not worth a second code path: docs/performance.md, "Names at
// exec").
func (r *pathReader) read(tid int32, addr uint64) bool {
	got := r.readRemote(tid, addr, r.buf[:])
	if got <= 0 {
		return false
	}
	if got < len(r.buf) {
		r.buf[got] = 0
	}
	return true
}

// readRemote reads len(buf) bytes at addr in tid's memory, split at the
// page boundary (buf spans at most two pages): a string that ends just
// before an unmapped page reads whole on kernels that transfer whole
// iovecs only. It returns the bytes read, 0 on failure.
func (r *pathReader) readRemote(tid int32, addr uint64, buf []byte) int {
	r.local[0] = unix.Iovec{Base: &buf[0]}
	r.local[0].SetLen(len(buf))
	first := int(pageSize - addr%pageSize)
	remote := r.remote[:1]
	if first >= len(buf) {
		remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: len(buf)}
	} else {
		remote = r.remote[:2]
		remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: first}
		remote[1] = unix.RemoteIovec{Base: uintptr(addr) + uintptr(first), Len: len(buf) - first}
	}
	got, err := unix.ProcessVMReadv(int(tid), r.local[:], remote, 0)
	if err != nil {
		return 0
	}
	return got
}

var pageSize = uint64(unix.Getpagesize())
