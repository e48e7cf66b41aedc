package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestFcntl(t *testing.T) {
	lock := make([]byte, 32)
	lock[0] = 1 // F_WRLCK
	put64(lock[8:], 100)
	put64(lock[16:], 1<<64-1)
	put32(lock[24:], 1234)
	checkLines(t, []lineCase{
		{"F_GETFD 0", call(t, "fcntl", 0, 3, 1), decode.ModePaths, pad("fcntl(3, F_GETFD)", "= 0")},
		{"F_GETFD cloexec", call(t, "fcntl", 1, 3, 1), decode.ModePaths, pad("fcntl(3, F_GETFD)", "= 0x1 (flags FD_CLOEXEC)")},
		{"F_GETFL", call(t, "fcntl", 0x8802, 3, 3), decode.ModePaths, pad("fcntl(3, F_GETFL)", "= 0x8802 (flags O_RDWR|O_NONBLOCK|O_LARGEFILE)")},
		{"F_SETFL", call(t, "fcntl", 0, 3, 4, 0o4000), decode.ModePaths, pad("fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK)", "= 0")},
		{"F_DUPFD_CLOEXEC", call(t, "fcntl", 30, 3, 1030, 30), decode.ModePaths, pad("fcntl(3, F_DUPFD_CLOEXEC, 30)", "= 30")},
		{"F_SETLKW", call(t, "fcntl", 0, 3, 7, bytesAt(lock)), decode.ModePaths, "fcntl(3, F_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=100, l_len=-1}) = 0"},
		{"F_GETLK shows l_pid", call(t, "fcntl", 0, 3, 5, bytesAt(lock)), decode.ModePaths, "fcntl(3, F_GETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=100, l_len=-1, l_pid=1234}) = 0"},
		{"F_GETLK failed", call(t, "fcntl", -9, 3, 5, 0x1000), decode.ModePaths, pad("fcntl(3, F_GETLK, 0x1000)", "= -1 EBADF (Bad file descriptor)")},
		{"F_GETSIG", call(t, "fcntl", 10, 3, 11), decode.ModePaths, pad("fcntl(3, F_GETSIG)", "= 10 (SIGUSR1)")},
		{"F_SETLEASE", call(t, "fcntl", 0, 3, 1024, 0), decode.ModePaths, pad("fcntl(3, F_SETLEASE, F_RDLCK)", "= 0")},
		{"unknown", call(t, "fcntl", -22, 3, 9999, 0), decode.ModePaths, pad("fcntl(3, 0x270f /* F_??? */, 0)", "= -1 EINVAL (Invalid argument)")},
	})
}
