package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestSleeps(t *testing.T) {
	req, rem := bytesAt(timespec(1, 500)), bytesAt(timespec(0, 400))
	checkLines(t, []lineCase{
		{"nanosleep", call(t, "nanosleep", 0, req, 0), decode.ModePaths, pad("nanosleep({tv_sec=1, tv_nsec=500}, NULL)", "= 0")},
		{"rem not written: its address", call(t, "nanosleep", 0, req, rem), decode.ModePaths,
			pad("nanosleep({tv_sec=1, tv_nsec=500}, 0x"+hexOf(rem)+")", "= 0")},
		{"interrupted: rem written", call(t, "nanosleep", -516, req, rem), decode.ModePaths,
			pad("nanosleep({tv_sec=1, tv_nsec=500}, {tv_sec=0, tv_nsec=400})", "= ? ERESTART_RESTARTBLOCK (Interrupted by signal)")},
		{"clock_nanosleep", call(t, "clock_nanosleep", 0, 1, 1, req, 0), decode.ModePaths,
			"clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=500}, NULL) = 0"},
		{"unknown clock", call(t, "clock_nanosleep", -22, 99, 0, req, 0), decode.ModePaths,
			"clock_nanosleep(0x63 /* CLOCK_??? */, 0, {tv_sec=1, tv_nsec=500}, NULL) = -1 EINVAL (Invalid argument)"},
	})
	c := call(t, "nanosleep", 0, req, 0)
	c.Exit = 0 // killed while asleep
	if got := decodeLine(c, decode.ModePaths); got != pad("nanosleep({tv_sec=1, tv_nsec=500}, NULL)", "= ?") {
		t.Errorf("never returned: %s", got)
	}
}
