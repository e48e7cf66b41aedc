package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

func TestResults(t *testing.T) {
	c := call(t, "close", -4095, 3)
	if got := decode.Format(c, nil); got != pad("close(3)", "= -1 (errno 4095)") {
		t.Errorf("errno without a name: %s", got)
	}
	c = call(t, "close", -512, 3)
	if got := decode.Format(c, nil); got != pad("close(3)", "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)") {
		t.Errorf("restart: %s", got)
	}
	c = call(t, "close", -95, 3)
	if got := decode.Format(c, nil); got != pad("close(3)", "= -1 EOPNOTSUPP (Operation not supported)") {
		t.Errorf("strace's name for 95: %s", got)
	}
	c = call(t, "exit_group", 0, 2)
	c.Exit = 0
	if got := decode.Format(c, nil); got != pad("exit_group(2)", "= ?") {
		t.Errorf("never returned: %s", got)
	}
	// i386: 32-bit values.
	i386 := &backend.Call{Arch: syscalls.I386, Nr: 192, Args: [6]uint64{0, 4096, 3, 0x22, 0xffffffff, 0}, Ret: 0xf7f00000, Exit: 1}
	if got := decode.Format(i386, nil); got != "mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xf7f00000" {
		t.Errorf("i386 mmap2: %s", got)
	}
	if got := decode.Join("close(3)", "= 0", 6); got != "close(3)                          = 0" {
		t.Errorf("padding after a 6-byte prefix: %q", got)
	}
}

func TestGeneric(t *testing.T) {
	// getpid takes none; sched_setaffinity three, in hex; an unknown
	// number six.
	for _, tc := range []struct {
		name string
		args [6]uint64
		want string
	}{
		{"getpid", [6]uint64{}, pad("getpid()", "= 7")},
		{"sched_setaffinity", [6]uint64{0, 128, 0x1000}, pad("sched_setaffinity(0, 0x80, 0x1000)", "= 7")},
	} {
		c := call(t, tc.name, 7, tc.args[:]...)
		if decode.Decoded(c.Arch, c.Nr) {
			t.Errorf("%s has a decoder; pick another call for the generic form", tc.name)
		}
		if got := decode.Format(c, nil); got != tc.want {
			t.Errorf("%s:\n  got  %s\n  want %s", tc.name, got, tc.want)
		}
	}
	c := &backend.Call{Arch: syscalls.X86_64, Nr: 999, Args: [6]uint64{1, 2, 3, 4, 5, 6}, Exit: 1}
	if got := decode.Format(c, nil); got != pad("syscall_999(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)", "= 0") {
		t.Errorf("unknown number: %s", got)
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []decode.Mode{decode.ModeNone, decode.ModePaths, decode.ModeAll} {
		if got, err := decode.ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := decode.ParseMode("some"); err == nil {
		t.Error("ParseMode accepted a bad value")
	}
}
