package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestExitAndUmask(t *testing.T) {
	for _, name := range []string{"exit", "exit_group"} {
		c := call(t, name, 0, 1<<32-3) // a negative int status
		c.Exit = 0
		if got := decode.Format(c, nil); got != pad(name+"(-3)", "= ?") {
			t.Errorf("%s: %s", name, got)
		}
	}
	if got := decode.Format(call(t, "umask", 0o22, 0o77), nil); got != pad("umask(077)", "= 022") {
		t.Errorf("umask: %s", got)
	}
}
