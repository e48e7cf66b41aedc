package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

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
