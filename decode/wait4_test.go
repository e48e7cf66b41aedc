package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func status(v uint32) uint64 {
	b := make([]byte, 4)
	put32(b, v)
	return bytesAt(b)
}

func TestWait4(t *testing.T) {
	checkLines(t, []lineCase{
		{"exited", call(t, "wait4", 99, 99, status(3<<8), 0, 0), decode.ModePaths,
			"wait4(99, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 99"},
		{"killed, core", call(t, "wait4", 99, 1<<64-1, status(0x80|11), 0x40000000, 0), decode.ModePaths,
			"wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], __WALL, NULL) = 99"},
		{"stopped", call(t, "wait4", 99, 99, status(19<<8|0x7f), 2, 0), decode.ModePaths,
			"wait4(99, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WSTOPPED, NULL) = 99"},
		{"ptrace event", call(t, "wait4", 99, 99, status(3<<16|0x857f), 0x40000000, 0), decode.ModePaths,
			"wait4(99, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP | 0x80}|PTRACE_EVENT_CLONE<<16], __WALL, NULL) = 99"},
		{"continued", call(t, "wait4", 99, 99, status(0xffff), 8, 0), decode.ModePaths,
			"wait4(99, [{WIFCONTINUED(s)}], WCONTINUED, NULL) = 99"},
		{"nothing yet: the pointer", call(t, "wait4", 0, 1<<64-1, 0x1000, 1, 0), decode.ModePaths,
			pad("wait4(-1, 0x1000, WNOHANG, NULL)", "= 0")},
		{"no children", call(t, "wait4", -10, 1<<64-1, 0x1000, 0, 0), decode.ModePaths,
			pad("wait4(-1, 0x1000, 0, NULL)", "= -1 ECHILD (No child processes)")},
	})
}
