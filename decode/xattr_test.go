package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestXattr(t *testing.T) {
	value := bytesAt([]byte("v\x00"))
	checkLines(t, []lineCase{
		{"getxattr", call(t, "getxattr", 2, cstr("/f"), cstr("user.k"), value, 64), decode.ModeAll,
			pad(`getxattr("/f", "user.k", "v", 64)`, "= 2")},
		{"the value is data", call(t, "getxattr", 2, cstr("/f"), cstr("user.k"), value, 64), decode.ModePaths,
			pad(`getxattr("/f", "user.k", 0x`+hexOf(value)+`, 64)`, "= 2")},
		{"failed", call(t, "lgetxattr", -61, cstr("/f"), cstr("security.selinux"), 0x1000, 255), decode.ModeAll,
			`lgetxattr("/f", "security.selinux", 0x1000, 255) = -1 ENODATA (No data available)`},
		{"size query", call(t, "fgetxattr", 2, 3, cstr("user.k"), 0, 0), decode.ModeAll,
			pad(`fgetxattr(3, "user.k", NULL, 0)`, "= 2")},
		{"setxattr", call(t, "setxattr", 0, cstr("/f"), cstr("user.k"), value, 2, 1), decode.ModeAll,
			pad(`setxattr("/f", "user.k", "v", 2, XATTR_CREATE)`, "= 0")},
		{"listxattr", call(t, "listxattr", 7, cstr("/f"), bytesAt([]byte("user.k\x00")), 64), decode.ModeAll,
			pad(`listxattr("/f", "user.k\0", 64)`, "= 7")},
		{"removexattr", call(t, "removexattr", 0, cstr("/f"), cstr("user.k")), decode.ModePaths,
			pad(`removexattr("/f", "user.k")`, "= 0")},
	})
}
