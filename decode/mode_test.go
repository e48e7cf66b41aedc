package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestParseMode(t *testing.T) {
	for _, m := range []decode.Mode{decode.ModeNone, decode.ModePaths, decode.ModeAll} {
		if got, err := decode.ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := decode.ParseMode("some"); err == nil {
		t.Error("ParseMode accepted a bad value")
	}
}
