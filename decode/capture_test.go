package decode_test

import (
	"strings"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
)

// Capture runs on the tracer's thread at a stop: it must not allocate.
// Memory here is process_vm_readv on this process, what it costs on a
// tracee.
func TestCaptureDoesNotAllocate(t *testing.T) {
	data := bytesAt([]byte(strings.Repeat("d", 4096)))
	sin := bytesAt(inet(443, [4]byte{127, 0, 0, 1}))
	length := make([]byte, 4)
	put32(length, 16)
	cases := map[string]*backend.Call{
		"openat":       call(t, "openat", -2, atFDCWD, cstr("/etc/app/tls.pem"), 0),
		"renameat":     call(t, "renameat", 0, atFDCWD, cstr(strings.Repeat("a", 300)), atFDCWD, cstr("b")),
		"write":        call(t, "write", 4096, 1, data, 4096),
		"writev":       call(t, "writev", 6, 1, iovecs("ab", "", "cdef"), 3),
		"execve":       call(t, "execve", -2, cstr("/x"), words("a", "b"), words("A=1")),
		"connect":      call(t, "connect", 0, 3, sin, 16),
		"accept4":      call(t, "accept4", 4, 3, sin, bytesAt(length), 0),
		"fstat":        call(t, "fstat", 0, 3, bytesAt(make([]byte, 144))),
		"rt_sigaction": call(t, "rt_sigaction", 0, 2, bytesAt(make([]byte, 32)), bytesAt(make([]byte, 32)), 8),
		"futex":        call(t, "futex", 0, 0x1000, 0, 0, bytesAt(timespec(0, 1))),
		"getpid":       call(t, "getpid", 1),
	}
	cp := new(decode.Capture)
	for name, c := range cases {
		for _, m := range []decode.Mode{decode.ModePaths, decode.ModeAll} {
			allocs := testing.AllocsPerRun(100, func() {
				if decode.NeedsEntry(c) {
					cp.Entry(c, self, m)
				}
				cp.Exit(c, self, m)
			})
			if allocs != 0 {
				t.Errorf("%s in mode %s: %v allocations per capture, want 0", name, m, allocs)
			}
		}
	}
}

// A capture too small for what a call needs drops the read and prints a
// pointer; it never overruns.
func TestCaptureBounds(t *testing.T) {
	long := cstr(strings.Repeat("p", 5000))
	c := call(t, "linkat", -36, atFDCWD, long, atFDCWD, long, 0)
	cp := new(decode.Capture)
	cp.Exit(c, self, decode.ModePaths)
	got := decode.Format(c, cp)
	cut := `"` + strings.Repeat("p", 4095) + `"...`
	if strings.Count(got, cut) != 2 {
		t.Errorf("two cut paths should both fit: %.200s", got)
	}
}

func BenchmarkCapturePath(b *testing.B) {
	c := call(b, "openat", -2, atFDCWD, cstr("/etc/app/tls.pem"), 0o2000000)
	cp := new(decode.Capture)
	b.ReportAllocs()
	for b.Loop() {
		cp.Exit(c, self, decode.ModePaths)
	}
}

func BenchmarkCaptureWriteAll(b *testing.B) {
	c := call(b, "write", 4096, 1, bytesAt([]byte(strings.Repeat("w", 4096))), 4096)
	cp := new(decode.Capture)
	b.ReportAllocs()
	for b.Loop() {
		cp.Exit(c, self, decode.ModeAll)
	}
}

func BenchmarkFormatPath(b *testing.B) {
	c := call(b, "openat", -2, atFDCWD, cstr("/etc/app/tls.pem"), 0o2000000)
	cp := new(decode.Capture)
	cp.Exit(c, self, decode.ModePaths)
	b.ReportAllocs()
	for b.Loop() {
		decode.Format(c, cp)
	}
}

func BenchmarkFormatWrite(b *testing.B) {
	c := call(b, "write", 4096, 1, bytesAt([]byte(strings.Repeat("w\x01", 2048))), 4096)
	cp := new(decode.Capture)
	cp.Exit(c, self, decode.ModeAll)
	b.ReportAllocs()
	for b.Loop() {
		decode.Format(c, cp)
	}
}

// localMemory reads a buffer of this process without a syscall: what the
// decoder costs beside the read itself.
type localMemory struct {
	base uint64
	buf  []byte
}

func (m *localMemory) ReadMemory(addr uint64, p []byte) int {
	if addr < m.base || addr-m.base >= uint64(len(m.buf)) {
		return 0
	}
	return copy(p, m.buf[addr-m.base:])
}

func BenchmarkCapturePathNoSyscall(b *testing.B) {
	path := make([]byte, 8192)
	copy(path, "/etc/app/tls.pem")
	mem := &localMemory{base: bytesAt(path), buf: path}
	c := call(b, "openat", -2, atFDCWD, mem.base, 0o2000000)
	cp := new(decode.Capture)
	b.ReportAllocs()
	for b.Loop() {
		cp.Exit(c, mem, decode.ModePaths)
	}
}
