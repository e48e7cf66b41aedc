package decode_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// Unit tests decode calls whose pointers point into this process: the
// capture reads them with process_vm_readv on itself, real reads of real
// memory, no root needed.

var self = &vmMemory{pid: os.Getpid()}

// keep holds the buffers tests point calls at, so the GC keeps them.
var keep [][]byte

func bytesAt(b []byte) uint64 {
	keep = append(keep, b)
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

// cstr is a NUL-terminated copy of s in memory.
func cstr(s string) uint64 { return bytesAt(append([]byte(s), 0)) }

// pageEnd returns a readable page followed by an unreadable one, and the
// address where it ends: a read from below that address stops there.
func pageEnd(t testing.TB) (page []byte, end uint64) {
	size := os.Getpagesize()
	m, err := unix.Mmap(-1, 0, 2*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Mprotect(m[size:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, m)
	return m[:size], uint64(uintptr(unsafe.Pointer(&m[0]))) + uint64(size)
}

// atEnd copies s to the end of page, and returns its address.
func atEnd(page []byte, end uint64, s string) uint64 {
	copy(page[len(page)-len(s):], s)
	return end - uint64(len(s))
}

// call builds a call of this machine's arch by syscall name, as its exit
// stop shows it: returned ret (a negative ret is that errno).
func call(t testing.TB, name string, ret int64, args ...uint64) *backend.Call {
	t.Helper()
	arch := syscalls.Native()
	nr, ok := syscalls.Lookup(arch, name)
	if !ok {
		t.Skipf("no %s on %s", name, arch)
	}
	c := &backend.Call{Thread: &backend.Thread{TID: 1, PID: 1}, Arch: arch, Nr: nr, Ret: ret, Entry: 1, Exit: 2}
	copy(c.Args[:], args)
	if ret < 0 && ret >= -4095 {
		c.Errno = uint16(-ret)
	}
	return c
}

// line decodes c in mode m, reading at entry too where the call wants.
func decodeLine(c *backend.Call, m decode.Mode) string {
	cp := new(decode.Capture)
	if decode.NeedsEntry(c) {
		exit := c.Exit
		c.Exit = 0
		cp.Entry(c, self, m)
		c.Exit = exit
	}
	cp.Exit(c, self, m)
	s := decode.Format(c, cp)
	runtime.KeepAlive(keep)
	return s
}

type lineCase struct {
	name string
	c    *backend.Call
	mode decode.Mode
	want string
}

func checkLines(t *testing.T, cases []lineCase) {
	t.Helper()
	for _, tc := range cases {
		if got := decodeLine(tc.c, tc.mode); got != tc.want {
			t.Errorf("%s:\n  got  %s\n  want %s", tc.name, got, tc.want)
		}
	}
}

// pad is a result after strace's padding for a call of n bytes.
func pad(call, result string) string { return decode.Join(call, result, 0) }

func hexOf(v uint64) string { return strconv.FormatUint(v, 16) }

func put64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func put32(b []byte, v uint32) {
	for i := 0; i < 4; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}
