package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

func TestClone(t *testing.T) {
	tid := make([]byte, 4)
	put32(tid, 4321)
	args := make([]byte, 88)
	put64(args, 0x100000|0x200000) // CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID
	put64(args[16:], 0x7000)       // child_tid
	put64(args[24:], bytesAt(tid)) // parent_tid
	put64(args[32:], 17)           // SIGCHLD
	argsAt := bytesAt(args)
	checkLines(t, []lineCase{
		{"fork's clone", call(t, "clone", 4321, 0x1200000|17, 0, 0, 0x7ffff7dd1a10, 0x7ffff7dd1a10), decode.ModePaths,
			"clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ffff7dd1a10) = 4321"},
		{"parent_tid written", call(t, "clone", 4321, 0x100000|17, 0, bytesAt(tid)), decode.ModePaths,
			"clone(child_stack=NULL, flags=CLONE_PARENT_SETTID|SIGCHLD, parent_tid=[4321]) = 4321"},
		{"only a signal", call(t, "clone", 4321, 17, 0), decode.ModePaths, pad("clone(child_stack=NULL, flags=SIGCHLD)", "= 4321")},
		{"clone3", call(t, "clone3", 4321, argsAt, 88), decode.ModePaths,
			"clone3({flags=CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7000, parent_tid=0x" + hexOf(le64(args[24:])) +
				", exit_signal=SIGCHLD, stack=NULL, stack_size=0} => {parent_tid=[4321]}, 88) = 4321"},
		{"clone3 too small", call(t, "clone3", -22, argsAt, 8), decode.ModePaths,
			pad("clone3(0x"+hexOf(argsAt)+", 8)", "= -1 EINVAL (Invalid argument)")},
	})
}

// TestCloneArgumentOrder: x86_64 passes child_tid before tls; i386 and
// aarch64 the other way round.
func TestCloneArgumentOrder(t *testing.T) {
	for _, tc := range []struct {
		arch syscalls.Arch
		nr   uint32
		want string
	}{
		{syscalls.X86_64, 56, "clone(child_stack=0x1000, flags=CLONE_SETTLS|CLONE_CHILD_SETTID, tls=0x5000, child_tidptr=0x4000) = 7"},
		{syscalls.AArch64, 220, "clone(child_stack=0x1000, flags=CLONE_SETTLS|CLONE_CHILD_SETTID, tls=0x4000, child_tidptr=0x5000) = 7"},
		{syscalls.I386, 120, "clone(child_stack=0x1000, flags=CLONE_SETTLS|CLONE_CHILD_SETTID, tls=0x4000, child_tidptr=0x5000) = 7"},
	} {
		c := &backend.Call{Arch: tc.arch, Nr: tc.nr, Args: [6]uint64{0x1080000, 0x1000, 0x3000, 0x4000, 0x5000}, Ret: 7, Exit: 1}
		if got := decode.Format(c, nil); got != tc.want {
			t.Errorf("%s:\n  got  %s\n  want %s", tc.arch, got, tc.want)
		}
	}
}
