package decode_test

import (
	"runtime"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestStatfs(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("lays out a 64-bit struct statfs")
	}
	b := make([]byte, 120)
	put64(b, 0xef53) // EXT2_SUPER_MAGIC
	put64(b[8:], 4096)
	put64(b[16:], 100)
	put32(b[56:], 0x15)
	put64(b[64:], 255)
	put64(b[72:], 4096)
	put64(b[80:], 0x20|0x1000) // ST_VALID|ST_RELATIME
	checkLines(t, []lineCase{
		{"statfs", call(t, "statfs", 0, cstr("/"), bytesAt(b)), decode.ModePaths,
			`statfs("/", {f_type=EXT2_SUPER_MAGIC, f_bsize=4096, f_blocks=100, f_bfree=0, f_bavail=0, f_files=0, f_ffree=0, f_fsid={val=[0x15, 0]}, f_namelen=255, f_frsize=4096, f_flags=ST_VALID|ST_RELATIME}) = 0`},
		{"failed", call(t, "fstatfs", -9, 7, 0x1000), decode.ModePaths, pad("fstatfs(7, 0x1000)", "= -1 EBADF (Bad file descriptor)")},
	})
}
