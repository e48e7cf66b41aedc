package decode_test

import (
	"runtime"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

// statBuf is an x86_64 struct stat with a mode, a size and an rdev.
func statBuf(mode uint32, size, rdev uint64) uint64 {
	b := make([]byte, 144)
	put32(b[24:], mode)
	put64(b[40:], rdev)
	put64(b[48:], size)
	return bytesAt(b)
}

func TestStat(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("lays out x86_64's struct stat")
	}
	stx := make([]byte, 256)
	put32(stx, 0x7ff)
	put32(stx[28:], 0o100600)
	put64(stx[40:], 12)
	checkLines(t, []lineCase{
		{"a file", call(t, "newfstatat", 0, atFDCWD, cstr("f"), statBuf(0o100644, 6, 0), 0), decode.ModePaths,
			`newfstatat(AT_FDCWD, "f", {st_mode=S_IFREG|0644, st_size=6, ...}, 0) = 0`},
		{"a device", call(t, "fstat", 0, 3, statBuf(0o20666, 0, 1<<8|3)), decode.ModePaths,
			`fstat(3, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0`},
		{"setuid", call(t, "stat", 0, cstr("/bin/su"), statBuf(0o104755, 1, 0)), decode.ModePaths,
			`stat("/bin/su", {st_mode=S_IFREG|S_ISUID|0755, st_size=1, ...}) = 0`},
		{"failed: the pointer", call(t, "stat", -2, cstr("/no"), 0x1000), decode.ModePaths,
			pad(`stat("/no", 0x1000)`, "= -1 ENOENT (No such file or directory)")},
		{"statx", call(t, "statx", 0, atFDCWD, cstr("f"), 0x100, 0x7ff, bytesAt(stx)), decode.ModePaths,
			`statx(AT_FDCWD, "f", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, {stx_mask=STATX_BASIC_STATS, stx_attributes=0, stx_mode=S_IFREG|0600, stx_size=12, ...}) = 0`},
	})
}
