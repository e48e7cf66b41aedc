package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestDescriptorCalls(t *testing.T) {
	pair := make([]byte, 8)
	put32(pair, 3)
	put32(pair[4:], 4)
	checkLines(t, []lineCase{
		{"close", call(t, "close", 0, 3), decode.ModePaths, pad("close(3)", "= 0")},
		{"close(-1)", call(t, "close", -9, 1<<64-1), decode.ModePaths, pad("close(-1)", "= -1 EBADF (Bad file descriptor)")},
		{"dup", call(t, "dup", 10, 3), decode.ModePaths, pad("dup(3)", "= 10")},
		{"dup3", call(t, "dup3", 11, 3, 11, 0o2000000), decode.ModePaths, pad("dup3(3, 11, O_CLOEXEC)", "= 11")},
		{"dup3 no flags", call(t, "dup3", -22, 3, 3, 0), decode.ModePaths, pad("dup3(3, 3, 0)", "= -1 EINVAL (Invalid argument)")},
		{"lseek", call(t, "lseek", 18, 9, 0, 2), decode.ModePaths, pad("lseek(9, 0, SEEK_END)", "= 18")},
		{"lseek negative, unknown whence", call(t, "lseek", -22, 9, 1<<64-5, 7), decode.ModePaths, pad("lseek(9, -5, 0x7 /* SEEK_??? */)", "= -1 EINVAL (Invalid argument)")},
		{"pipe2", call(t, "pipe2", 0, bytesAt(pair), 0o4000), decode.ModePaths, pad("pipe2([3, 4], O_NONBLOCK)", "= 0")},
		{"pipe2 failed", call(t, "pipe2", -14, 1, 0), decode.ModePaths, pad("pipe2(0x1, 0)", "= -1 EFAULT (Bad address)")},
		{"listen", call(t, "listen", 0, 3, 128), decode.ModePaths, pad("listen(3, 128)", "= 0")},
		{"shutdown", call(t, "shutdown", 0, 3, 2), decode.ModePaths, pad("shutdown(3, SHUT_RDWR)", "= 0")},
		{"fsync", call(t, "fsync", 0, 3), decode.ModePaths, pad("fsync(3)", "= 0")},
	})
	c := call(t, "dup", 10, 3)
	if a := decode.Attributes(c, nil); !a.HasFD || a.FD != 3 {
		t.Errorf("dup(3): fd %d (%v), want the argument", a.FD, a.HasFD)
	}
}
