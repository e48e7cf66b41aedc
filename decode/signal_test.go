package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func mask(sigs ...int) []byte {
	var m uint64
	for _, s := range sigs {
		m |= 1 << (s - 1)
	}
	b := make([]byte, 8)
	put64(b, m)
	return b
}

func TestSignals(t *testing.T) {
	act := make([]byte, 32)
	put64(act, 0x401136)                  // handler
	put64(act[8:], 0x04000000|0x10000000) // SA_RESTORER|SA_RESTART
	put64(act[16:], 0x7f0000000050)       // restorer
	copy(act[24:], mask(2, 15))
	old := make([]byte, 32)
	put64(old, 1) // SIG_IGN
	full := make([]byte, 8)
	put64(full, ^uint64(0)&^(1<<8|1<<18)) // all but KILL and STOP
	checkLines(t, []lineCase{
		{"kill", call(t, "kill", 0, 1234, 15), decode.ModePaths, pad("kill(1234, SIGTERM)", "= 0")},
		{"signal 0", call(t, "kill", 0, 1234, 0), decode.ModePaths, pad("kill(1234, 0)", "= 0")},
		{"real-time", call(t, "tgkill", 0, 10, 11, 34), decode.ModePaths, pad("tgkill(10, 11, SIGRT_2)", "= 0")},
		{"SIGRTMIN", call(t, "kill", 0, 10, 32), decode.ModePaths, pad("kill(10, SIGRTMIN)", "= 0")},
		{"no name", call(t, "kill", -22, 10, 99), decode.ModePaths, pad("kill(10, 99)", "= -1 EINVAL (Invalid argument)")},
		{"rt_sigaction", call(t, "rt_sigaction", 0, 2, bytesAt(act), bytesAt(old), 8), decode.ModePaths,
			"rt_sigaction(SIGINT, {sa_handler=0x401136, sa_mask=[INT TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f0000000050}, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, 8) = 0"},
		{"rt_sigaction failed: oldact as a pointer", call(t, "rt_sigaction", -22, 9, 0, 0x1000, 8), decode.ModePaths,
			pad("rt_sigaction(SIGKILL, NULL, 0x1000, 8)", "= -1 EINVAL (Invalid argument)")},
		{"rt_sigprocmask", call(t, "rt_sigprocmask", 0, 0, bytesAt(mask(10, 32, 33, 40)), bytesAt(mask()), 8), decode.ModePaths,
			"rt_sigprocmask(SIG_BLOCK, [USR1 RTMIN RT_1 RT_8], [], 8) = 0"},
		{"most bits set print inverted", call(t, "rt_sigprocmask", 0, 2, bytesAt(full), 0, 8), decode.ModePaths,
			pad("rt_sigprocmask(SIG_SETMASK, ~[KILL STOP], NULL, 8)", "= 0")},
		{"a bad size prints the pointer", call(t, "rt_sigprocmask", -22, 2, 0x1000, 0, 16), decode.ModePaths,
			pad("rt_sigprocmask(SIG_SETMASK, 0x1000, NULL, 16)", "= -1 EINVAL (Invalid argument)")},
	})
	if decode.SignalName(11) != "SIGSEGV" || decode.SignalName(40) != "SIGRT_8" || decode.SignalName(0) != "0" {
		t.Errorf("SignalName: %s %s %s", decode.SignalName(11), decode.SignalName(40), decode.SignalName(0))
	}
}
