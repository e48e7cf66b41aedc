package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

// dirents lays out n linux_dirent64 records of 24 bytes each.
func dirents(n int) uint64 {
	b := make([]byte, 24*n)
	for i := 0; i < n; i++ {
		b[24*i+16] = 24 // d_reclen
		copy(b[24*i+19:], "e")
	}
	return bytesAt(b)
}

func TestGetdents(t *testing.T) {
	three, many := dirents(3), dirents(500) // 12000 bytes: several reads
	checkLines(t, []lineCase{
		{"entries", call(t, "getdents64", 72, 3, three, 4096), decode.ModePaths,
			pad("getdents64(3, 0x"+hexOf(three)+" /* 3 entries */, 4096)", "= 72")},
		{"read in chunks", call(t, "getdents64", 12000, 3, many, 32768), decode.ModePaths,
			"getdents64(3, 0x" + hexOf(many) + " /* 500 entries */, 32768) = 12000"},
		{"end of directory", call(t, "getdents64", 0, 3, three, 4096), decode.ModePaths,
			pad("getdents64(3, 0x"+hexOf(three)+" /* 0 entries */, 4096)", "= 0")},
		{"failed", call(t, "getdents64", -9, 3, three, 4096), decode.ModePaths,
			pad("getdents64(3, 0x"+hexOf(three)+", 4096)", "= -1 EBADF (Bad file descriptor)")},
		{"mode none: no count", call(t, "getdents64", 72, 3, three, 4096), decode.ModeNone,
			pad("getdents64(3, 0x"+hexOf(three)+", 4096)", "= 72")},
	})
}
