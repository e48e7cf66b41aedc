package decode_test

import (
	"golang.org/x/sys/unix"
)

// vmMemory reads a stopped tracee's memory with process_vm_readv, the
// remote range split at the page boundary so that a string ending just
// before an unmapped page still reads (as the ptrace backend will).
type vmMemory struct {
	pid    int
	local  [1]unix.Iovec
	remote [2]unix.RemoteIovec
}

var pageSize = uint64(unix.Getpagesize())

func (m *vmMemory) ReadMemory(addr uint64, p []byte) int {
	if len(p) == 0 {
		return 0
	}
	m.local[0] = unix.Iovec{Base: &p[0]}
	m.local[0].SetLen(len(p))
	remote := m.remote[:1]
	first := int(pageSize - addr%pageSize)
	if first >= len(p) {
		remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: len(p)}
	} else {
		remote = m.remote[:2]
		remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: first}
		remote[1] = unix.RemoteIovec{Base: uintptr(addr) + uintptr(first), Len: len(p) - first}
	}
	n, err := unix.ProcessVMReadv(m.pid, m.local[:], remote, 0)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
