package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// tableMemory is a tracee's memory laid out by a test, for arches this
// machine cannot run: regions by start address.
type tableMemory map[uint64][]byte

func (m tableMemory) ReadMemory(addr uint64, p []byte) int {
	for base, b := range m {
		if addr >= base && addr < base+uint64(len(b)) {
			return copy(p, b[addr-base:])
		}
	}
	return 0
}

func archCall(a syscalls.Arch, name string, ret int64, args ...uint64) *backend.Call {
	nr, ok := syscalls.Lookup(a, name)
	if !ok {
		panic("no " + name + " on " + a.String())
	}
	c := &backend.Call{Arch: a, Nr: nr, Ret: ret, Entry: 1, Exit: 2}
	copy(c.Args[:], args)
	if ret < 0 && ret >= -4095 {
		c.Errno = uint16(-ret)
	}
	return c
}

func archLine(c *backend.Call, mem decode.Memory) string {
	cp := new(decode.Capture)
	cp.Exit(c, mem, decode.ModeAll)
	return decode.Format(c, cp)
}

// TestAArch64 covers what differs on aarch64: open flag values, the
// generic struct stat, no MAP_32BIT, clone's order (TestCloneArgumentOrder).
func TestAArch64(t *testing.T) {
	a := syscalls.AArch64
	st := make([]byte, 128)
	put32(st[16:], 0o100640) // st_mode
	put64(st[48:], 77)       // st_size
	mem := tableMemory{0x1000: []byte("/etc/hosts\x00"), 0x2000: st}
	for _, tc := range []struct {
		c    *backend.Call
		want string
	}{
		{archCall(a, "openat", 3, atFDCWD, 0x1000, 0o40000|0o100000|0o200000),
			`openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_DIRECT|O_NOFOLLOW|O_DIRECTORY) = 3`},
		{archCall(a, "newfstatat", 0, atFDCWD, 0x1000, 0x2000, 0),
			`newfstatat(AT_FDCWD, "/etc/hosts", {st_mode=S_IFREG|0640, st_size=77, ...}, 0) = 0`},
		{archCall(a, "mmap", -22, 0, 4096, 1, 0x42, 1<<64-1, 0),
			"mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|0x40, -1, 0) = -1 EINVAL (Invalid argument)"},
	} {
		if got := archLine(tc.c, mem); got != tc.want {
			t.Errorf("\n  got  %s\n  want %s", got, tc.want)
		}
	}
	if _, ok := syscalls.Lookup(a, "open"); ok {
		t.Error("aarch64 has no open(2); the table says it does")
	}
}

// TestI386Layouts: 32-bit words in iovecs, argv and sigaction, where the
// i386 strace test does not reach (it runs on x86_64 hosts only).
func TestI386Layouts(t *testing.T) {
	a := syscalls.I386
	iov := make([]byte, 16)
	put32(iov, 0x3000)
	put32(iov[4:], 2)
	put32(iov[8:], 0x3010)
	put32(iov[12:], 3)
	act := make([]byte, 20)
	put32(act, 1)             // SIG_IGN
	put32(act[4:], 0x4000000) // SA_RESTORER
	put32(act[8:], 0xf7f00050)
	put32(act[12:], 1<<9) // SIGUSR1
	mem := tableMemory{0x2000: iov, 0x3000: []byte("ab"), 0x3010: []byte("cde"), 0x4000: act}
	for _, tc := range []struct {
		c    *backend.Call
		want string
	}{
		{archCall(a, "writev", 5, 1, 0x2000, 2),
			`writev(1, [{iov_base="ab", iov_len=2}, {iov_base="cde", iov_len=3}], 2) = 5`},
		{archCall(a, "rt_sigaction", 0, 12, 0x4000, 0, 8),
			"rt_sigaction(SIGUSR2, {sa_handler=SIG_IGN, sa_mask=[USR1], sa_flags=SA_RESTORER, sa_restorer=0xf7f00050}, NULL, 8) = 0"},
		{archCall(a, "openat", -2, 0xffffff9c, 0, 0),
			pad("openat(AT_FDCWD, NULL, O_RDONLY)", "= -1 ENOENT (No such file or directory)")},
	} {
		if got := archLine(tc.c, mem); got != tc.want {
			t.Errorf("\n  got  %s\n  want %s", got, tc.want)
		}
	}
}
