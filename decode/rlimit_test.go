package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestRlimits(t *testing.T) {
	lim := make([]byte, 16)
	put64(lim, 8192*1024)
	put64(lim[8:], ^uint64(0))
	odd := make([]byte, 16)
	put64(odd, 1000)
	put64(odd[8:], 1024)
	checkLines(t, []lineCase{
		{"prlimit64", call(t, "prlimit64", 0, 0, 3, 0, bytesAt(lim)), decode.ModePaths,
			"prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"},
		{"not multiples beyond 1024", call(t, "prlimit64", 0, 12, 7, bytesAt(odd), 0), decode.ModePaths,
			"prlimit64(12, RLIMIT_NOFILE, {rlim_cur=1000, rlim_max=1024}, NULL) = 0"},
		{"unknown resource", call(t, "prlimit64", -22, 0, 99, 0, 0x1000), decode.ModePaths,
			"prlimit64(0, 0x63 /* RLIMIT_??? */, NULL, 0x1000) = -1 EINVAL (Invalid argument)"},
	})
}
