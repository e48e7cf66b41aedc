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
