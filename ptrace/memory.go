package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// memReader reads a stopped tracee's memory for the decoder
// (decode.Memory), as strace's ucopy.c does: process_vm_readv, and
// PTRACE_PEEKDATA word by word where the kernel refuses that (built
// without CROSS_MEMORY_ATTACH: ENOSYS; EPERM under some LSMs). Its
// buffers are its own, so no read allocates; one belongs to the Tracer.
type memReader struct {
	tid      int32
	noVMRead bool // process_vm_readv is missing here: peek from now on
	local    [1]unix.Iovec
	remote   [4]unix.RemoteIovec
}

// ReadMemory copies up to len(p) bytes at addr into p and returns how
// many it copied, up to the first byte it could not read.
func (m *memReader) ReadMemory(addr uint64, p []byte) int {
	got := 0
	for got < len(p) {
		at := addr + uint64(got)
		if m.noVMRead {
			return got + m.peek(at, p[got:])
		}
		want := m.span(at, len(p)-got)
		n, refused := m.vmRead(at, p[got:got+want])
		if refused {
			return got + m.peek(at, p[got:])
		}
		got += n
		if n < want {
			break // unreadable from here
		}
	}
	return got
}

// span is how many of want bytes at addr one process_vm_readv covers:
// len(remote) pages at most (a decoder reads 4096 bytes at most: two).
func (m *memReader) span(addr uint64, want int) int {
	end := (addr/pageSize + uint64(len(m.remote))) * pageSize
	return int(min(uint64(want), end-addr))
}

// vmRead reads with one process_vm_readv, split at page boundaries: a
// kernel transfers whole iovecs only, so a string that ends just before
// an unmapped page still reads. refused means the kernel will not do it.
func (m *memReader) vmRead(addr uint64, p []byte) (n int, refused bool) {
	want := len(p)
	m.local[0] = unix.Iovec{Base: &p[0]}
	m.local[0].SetLen(want)
	nr := 0
	for off := 0; off < want; nr++ {
		chunk := min(want-off, int(pageSize-(addr+uint64(off))%pageSize))
		m.remote[nr] = unix.RemoteIovec{Base: uintptr(addr) + uintptr(off), Len: chunk}
		off += chunk
	}
	r, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_READV, uintptr(m.tid),
		uintptr(unsafe.Pointer(&m.local[0])), 1, uintptr(unsafe.Pointer(&m.remote[0])), uintptr(nr), 0)
	switch e {
	case 0:
		return int(r), false
	case unix.ENOSYS:
		m.noVMRead = true
		return 0, true
	case unix.EPERM:
		return 0, true
	}
	return 0, false // EFAULT, ESRCH: nothing readable there
}

// peek reads word by word with PTRACE_PEEKDATA: one request per word.
func (m *memReader) peek(addr uint64, p []byte) int {
	const word = uint64(unsafe.Sizeof(uintptr(0)))
	got := 0
	for got < len(p) {
		at := addr + uint64(got)
		base := at &^ (word - 1)
		var w uintptr
		// The raw request stores the word at data (ptrace(2), C library
		// differences).
		if ptraceRaw(unix.PTRACE_PEEKDATA, m.tid, uintptr(base), uintptr(unsafe.Pointer(&w))) != nil {
			break
		}
		b := (*[word]byte)(unsafe.Pointer(&w))[at-base:]
		got += copy(p[got:], b)
	}
	return got
}
