package ptrace

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// The name a program gets at execve is the last element of the path it
// was exec'd by, cut to 15 bytes (kbasename(bprm->filename) in the
// kernel's begin_new_exec). Taking it from the tracee's memory at the
// execve entry stop costs one process_vm_readv; reading /proc/PID/comm
// after the exec cost ~23 µs a process, the kernel's first lookup of a
// new PID's directory (200 × /bin/true from sh: 187.1 → 182.4 ms).

const (
	commLen = 15 // TASK_COMM_LEN - 1
	atFDCWD = -100
)

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
		addr, relativeToFD = th.args[1], int32(th.args[0]) != atFDCWD
	}
	if !t.readPath(th.TID, addr) || relativeToFD && t.pathBuf[0] != '/' {
		return
	}
	end := bytes.IndexByte(t.pathBuf[:], 0)
	if end <= 0 {
		return // unterminated or empty: the exec fails, or /proc tells
	}
	start := bytes.LastIndexByte(t.pathBuf[:end], '/') + 1
	th.execName.n = uint8(copy(th.execName.b[:], t.pathBuf[start:end]))
	th.execName.ok = true
}

// readPath copies up to PATH_MAX bytes at addr in tid's memory into
// t.pathBuf and NUL-terminates what it got: one process_vm_readv, about
// 2.6 µs in the kernel (bpftrace over 600 execs; a first read of 256
// bytes saved 0.15 of them, not worth a second code path).
func (t *Tracer) readPath(tid int32, addr uint64) bool {
	got := t.readRemote(tid, addr, t.pathBuf[:])
	if got <= 0 {
		return false
	}
	if got < len(t.pathBuf) {
		t.pathBuf[got] = 0
	}
	return true
}

// readRemote reads len(buf) bytes at addr in tid's memory, split at the
// page boundary (buf spans at most two pages): a string that ends just
// before an unmapped page reads whole on kernels that transfer whole
// iovecs only. It returns the bytes read, 0 on failure.
func (t *Tracer) readRemote(tid int32, addr uint64, buf []byte) int {
	t.localIov[0] = unix.Iovec{Base: &buf[0]}
	t.localIov[0].SetLen(len(buf))
	first := int(pageSize - addr%pageSize)
	remote := t.remoteIov[:1]
	if first >= len(buf) {
		remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: len(buf)}
	} else {
		remote = t.remoteIov[:2]
		remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: first}
		remote[1] = unix.RemoteIovec{Base: uintptr(addr) + uintptr(first), Len: len(buf) - first}
	}
	got, err := unix.ProcessVMReadv(int(tid), t.localIov[:], remote, 0)
	if err != nil {
		return 0
	}
	return got
}

var pageSize = uint64(unix.Getpagesize())
