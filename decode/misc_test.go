package decode_test

import (
	"runtime"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestMisc(t *testing.T) {
	uts := make([]byte, 390)
	copy(uts, "Linux")
	copy(uts[65:], "host")
	random := bytesAt([]byte{0x81, 0, 0xff, 0x7b})
	checkLines(t, []lineCase{
		{"uname", call(t, "uname", 0, bytesAt(uts)), decode.ModePaths, pad(`uname({sysname="Linux", nodename="host", ...})`, "= 0")},
		{"getrandom in hex", call(t, "getrandom", 4, random, 4, 1), decode.ModeAll, pad(`getrandom("\x81\x00\xff\x7b", 4, GRND_NONBLOCK)`, "= 4")},
		{"getrandom in mode paths", call(t, "getrandom", 4, random, 4, 1), decode.ModePaths, pad("getrandom(0x"+hexOf(random)+", 4, GRND_NONBLOCK)", "= 4")},
		{"close_range", call(t, "close_range", 0, 3, 0xffffffff, 4), decode.ModePaths, pad("close_range(3, 4294967295, CLOSE_RANGE_CLOEXEC)", "= 0")},
		{"setpgid", call(t, "setpgid", 0, 0, 0), decode.ModePaths, pad("setpgid(0, 0)", "= 0")},
	})
	if runtime.GOARCH == "amd64" {
		fs := make([]byte, 8)
		put64(fs, 0x7ffff7dd1740)
		checkLines(t, []lineCase{
			{"arch_prctl", call(t, "arch_prctl", 0, 0x1002, 0x7ffff7dd1740), decode.ModePaths, pad("arch_prctl(ARCH_SET_FS, 0x7ffff7dd1740)", "= 0")},
			{"arch_prctl get", call(t, "arch_prctl", 0, 0x1003, bytesAt(fs)), decode.ModePaths, pad("arch_prctl(ARCH_GET_FS, [0x7ffff7dd1740])", "= 0")},
			{"fadvise64", call(t, "fadvise64", 0, 3, 0, 0, 2), decode.ModePaths, pad("fadvise64(3, 0, 0, POSIX_FADV_SEQUENTIAL)", "= 0")},
		})
	}
}
