package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func timespec(sec, nsec uint64) []byte {
	b := make([]byte, 16)
	put64(b, sec)
	put64(b[8:], nsec)
	return b
}

func TestFutex(t *testing.T) {
	ts := bytesAt(timespec(0, 1000))
	checkLines(t, []lineCase{
		{"wake", call(t, "futex", 1, 0x1000, 129, 1), decode.ModePaths, pad("futex(0x1000, FUTEX_WAKE_PRIVATE, 1)", "= 1")},
		{"wait with a timeout", call(t, "futex", -110, 0x1000, 0, 0, ts), decode.ModePaths,
			"futex(0x1000, FUTEX_WAIT, 0, {tv_sec=0, tv_nsec=1000}) = -1 ETIMEDOUT (Connection timed out)"},
		{"wait bitset", call(t, "futex", -11, 0x1000, 9|128|256, 5, 0, 0, 0xffffffff), decode.ModePaths,
			"futex(0x1000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 5, NULL, FUTEX_BITSET_MATCH_ANY) = -1 EAGAIN (Resource temporarily unavailable)"},
		{"cmp requeue", call(t, "futex", 1, 0x1000, 4|128, 1, 2147483647, 0x2000, 0), decode.ModePaths,
			pad("futex(0x1000, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2147483647, 0x2000, 0)", "= 1")},
		{"wake op", call(t, "futex", 1, 0x1000, 5|128, 1, 1, 0x2000, 1<<28|4<<24|1), decode.ModePaths,
			"futex(0x1000, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0x2000, FUTEX_OP_ADD<<28|0<<12|FUTEX_OP_CMP_GT<<24|0x1) = 1"},
		{"unknown op", call(t, "futex", -38, 0x1000, 99, 0), decode.ModePaths,
			"futex(0x1000, 0x63 /* FUTEX_??? */, 0, NULL, NULL, 0) = -1 ENOSYS (Function not implemented)"},
	})
}
