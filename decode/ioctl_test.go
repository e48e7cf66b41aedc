package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestIoctl(t *testing.T) {
	n := make([]byte, 4)
	put32(n, 3)
	ws := []byte{24, 0, 80, 0, 0, 0, 0, 0}
	checkLines(t, []lineCase{
		{"a name", call(t, "ioctl", -25, 1, 0x5401, 0x1000), decode.ModePaths, pad("ioctl(1, TCGETS, 0x1000)", "= -1 ENOTTY (Inappropriate ioctl for device)")},
		{"two names for a code", call(t, "ioctl", -25, 1, 0x5402, 0x1000), decode.ModePaths, "ioctl(1, SNDCTL_TMR_START or TCSETS, 0x1000) = -1 ENOTTY (Inappropriate ioctl for device)"},
		{"FIONREAD", call(t, "ioctl", 0, 3, 0x541b, bytesAt(n)), decode.ModePaths, pad("ioctl(3, FIONREAD, [3])", "= 0")},
		{"FIONREAD failed", call(t, "ioctl", -14, 3, 0x541b, 1), decode.ModePaths, pad("ioctl(3, FIONREAD, 0x1)", "= -1 EFAULT (Bad address)")},
		{"FIONBIO shows its input even on failure", call(t, "ioctl", -9, 3, 0x5421, bytesAt(n)), decode.ModePaths, pad("ioctl(3, FIONBIO, [3])", "= -1 EBADF (Bad file descriptor)")},
		{"no argument", call(t, "ioctl", 0, 3, 0x5451), decode.ModePaths, pad("ioctl(3, FIOCLEX)", "= 0")},
		{"TIOCGWINSZ", call(t, "ioctl", 0, 1, 0x5413, bytesAt(ws)), decode.ModePaths, pad("ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0})", "= 0")},
		{"unknown code", call(t, "ioctl", -25, 1, 3<<30|8<<16|0xab<<8|0xcd, 0), decode.ModePaths, "ioctl(1, _IOC(_IOC_READ|_IOC_WRITE, 0xab, 0xcd, 0x8), 0) = -1 ENOTTY (Inappropriate ioctl for device)"},
		{"a name without a decoder here: the argument in hex", call(t, "ioctl", 0, 3, 0x80081272, 0x7000), decode.ModePaths, pad("ioctl(3, BLKGETSIZE64, 0x7000)", "= 0")},
	})
}
