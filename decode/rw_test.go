package decode_test

import (
	"strings"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func iovecs(parts ...string) uint64 {
	b := make([]byte, 16*len(parts))
	for i, p := range parts {
		if p == "" {
			put64(b[16*i:], bytesAt([]byte{0}))
		} else {
			put64(b[16*i:], bytesAt([]byte(p)))
		}
		put64(b[16*i+8:], uint64(len(p)))
	}
	return bytesAt(b)
}

func TestReadWrite(t *testing.T) {
	long := strings.Repeat("0123456789", 4)
	_, end := pageEnd(t)
	checkLines(t, []lineCase{
		{"write", call(t, "write", 6, 1, bytesAt([]byte("hello\n")), 6),
			decode.ModeAll, pad(`write(1, "hello\n", 6)`, "= 6")},
		{"cut at 32 with ...", call(t, "write", 40, 1, bytesAt([]byte(long)), 40),
			decode.ModeAll, `write(1, "01234567890123456789012345678901"..., 40) = 40`},
		{"exactly 32 is whole", call(t, "write", 32, 1, bytesAt([]byte(long[:32])), 32),
			decode.ModeAll, `write(1, "01234567890123456789012345678901", 32) = 32`},
		{"binary", call(t, "write", 8, 1, bytesAt([]byte("\x00\x01\x027\x7f\x80\xff\"")), 8),
			decode.ModeAll, pad(`write(1, "\0\1\0027\177\200\377\"", 8)`, "= 8")},
		{"mode paths keeps data out", call(t, "write", 3, 1, 0x1000, 3),
			decode.ModePaths, pad(`write(1, 0x1000, 3)`, "= 3")},
		{"the 33rd byte unreadable fails it all", call(t, "write", 40, 1, end-32, 40),
			decode.ModeAll, pad(`write(1, 0x`+hexOf(end-32)+`, 40)`, "= 40")},
		{"32 bytes up to the edge read", call(t, "write", 32, 1, end-32, 32),
			decode.ModeAll, `write(1, "` + strings.Repeat(`\0`, 32) + `", 32) = 32`},
		{"empty write", call(t, "write", 0, 1, 1, 0),
			decode.ModeAll, pad(`write(1, "", 0)`, "= 0")},
		{"read shows what it returned", call(t, "read", 3, 0, bytesAt([]byte("abcdef")), 100),
			decode.ModeAll, pad(`read(0, "abc", 100)`, "= 3")},
		{"a failed read shows the pointer", call(t, "read", -9, 7, 0x1000, 10),
			decode.ModeAll, pad(`read(7, 0x1000, 10)`, "= -1 EBADF (Bad file descriptor)")},
		{"pwrite64", call(t, "pwrite64", 3, 4, bytesAt([]byte("xyz")), 3, 1<<40),
			decode.ModeAll, pad(`pwrite64(4, "xyz", 3, 1099511627776)`, "= 3")},
		{"writev", call(t, "writev", 6, 1, iovecs("ab", "", "cdef"), 3),
			decode.ModeAll, `writev(1, [{iov_base="ab", iov_len=2}, {iov_base="", iov_len=0}, {iov_base="cdef", iov_len=4}], 3) = 6`},
		{"readv shows what it filled", call(t, "readv", 5, 0, iovecs("abcd", "efghij"), 2),
			decode.ModeAll, `readv(0, [{iov_base="abcd", iov_len=4}, {iov_base="e", iov_len=6}], 2) = 5`},
	})
	v := iovecs("ab")
	base := hexOf(le64(keep[len(keep)-1])) // the array's first base
	if got, want := decodeLine(call(t, "writev", 2, 1, v, 1), decode.ModePaths), pad(`writev(1, [{iov_base=0x`+base+`, iov_len=2}], 1)`, "= 2"); got != want {
		t.Errorf("iovecs in mode paths:\n  got  %s\n  want %s", got, want)
	}
	vec := iovecs(strings.Split(strings.Repeat("i", 34), "")...)
	got := decodeLine(call(t, "writev", 34, 1, vec, 34), decode.ModeAll)
	if want := strings.Repeat(`{iov_base="i", iov_len=1}, `, 32) + `...], 34) = 34`; !strings.HasSuffix(got, want) {
		t.Errorf("34 iovecs: %s\n  want 32 of them and ...", got)
	}
}
