package decode_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

const atFDCWD = uint64(1<<64 - 100)

func TestPathCalls(t *testing.T) {
	long := strings.Repeat("p", 5000)
	page, end := pageEnd(t)
	edge := atEnd(page, end, "edge\x00")
	page, end = pageEnd(t)
	cut := atEnd(page, end, "cut!")
	checkLines(t, []lineCase{
		{"the issue's example", call(t, "openat", -2, atFDCWD, cstr("/etc/app/tls.pem"), 0o2000000),
			decode.ModePaths, `openat(AT_FDCWD, "/etc/app/tls.pem", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`},
		{"mode only with O_CREAT", call(t, "openat", 3, atFDCWD, cstr("new"), 0o1101, 0o640),
			decode.ModePaths, pad(`openat(AT_FDCWD, "new", O_WRONLY|O_CREAT|O_TRUNC, 0640)`, "= 3")},
		{"unknown flag bits in hex", call(t, "openat", 3, 5, cstr("f"), 0o2|0x10000000),
			decode.ModePaths, pad(`openat(5, "f", O_RDWR|0x10000000)`, "= 3")},
		{"escapes", call(t, "openat", -2, atFDCWD, cstr("q\"b\\n\n\t\x01"+"7\x7f\xc3\xa9 8"), 0),
			decode.ModePaths, `openat(AT_FDCWD, "q\"b\\n\n\t\0017\177\303\251 8", O_RDONLY) = -1 ENOENT (No such file or directory)`},
		{"a path is shown whole", call(t, "openat", -2, atFDCWD, cstr(strings.Repeat("d", 40)), 0),
			decode.ModePaths, `openat(AT_FDCWD, "` + strings.Repeat("d", 40) + `", O_RDONLY) = -1 ENOENT (No such file or directory)`},
		{"past 4095 bytes, cut", call(t, "openat", -36, atFDCWD, cstr(long), 0),
			decode.ModePaths, `openat(AT_FDCWD, "` + long[:4095] + `"..., O_RDONLY) = -1 ENAMETOOLONG (File name too long)`},
		{"ends just before an unmapped page", call(t, "openat", -2, atFDCWD, edge, 0),
			decode.ModePaths, pad(`openat(AT_FDCWD, "edge", O_RDONLY)`, "= -1 ENOENT (No such file or directory)")},
		{"unterminated before an unmapped page", call(t, "openat", -14, atFDCWD, cut, 0),
			decode.ModePaths, pad(`openat(AT_FDCWD, 0x`+hexOf(cut)+`, O_RDONLY)`, "= -1 EFAULT (Bad address)")},
		{"unreadable", call(t, "openat", -14, atFDCWD, 1, 0),
			decode.ModePaths, pad(`openat(AT_FDCWD, 0x1, O_RDONLY)`, "= -1 EFAULT (Bad address)")},
		{"NULL", call(t, "openat", -14, atFDCWD, 0, 0),
			decode.ModePaths, pad(`openat(AT_FDCWD, NULL, O_RDONLY)`, "= -1 EFAULT (Bad address)")},
		{"faccessat2", call(t, "faccessat2", 0, atFDCWD, cstr("f"), 4|2, 0x200),
			decode.ModePaths, pad(`faccessat2(AT_FDCWD, "f", R_OK|W_OK, AT_EACCESS)`, "= 0")},
		{"unlinkat", call(t, "unlinkat", 0, atFDCWD, cstr("d"), 0x200),
			decode.ModePaths, pad(`unlinkat(AT_FDCWD, "d", AT_REMOVEDIR)`, "= 0")},
		{"renameat2", call(t, "renameat2", -17, 3, cstr("a"), atFDCWD, cstr("b"), 1),
			decode.ModePaths, `renameat2(3, "a", AT_FDCWD, "b", RENAME_NOREPLACE) = -1 EEXIST (File exists)`},
		{"linkat", call(t, "linkat", 0, atFDCWD, cstr("a"), atFDCWD, cstr("b"), 0x400),
			decode.ModePaths, `linkat(AT_FDCWD, "a", AT_FDCWD, "b", AT_SYMLINK_FOLLOW) = 0`},
		{"symlinkat", call(t, "symlinkat", 0, cstr("to"), atFDCWD, cstr("from")),
			decode.ModePaths, pad(`symlinkat("to", AT_FDCWD, "from")`, "= 0")},
		{"mkdirat", call(t, "mkdirat", 0, atFDCWD, cstr("d"), 0o755),
			decode.ModePaths, pad(`mkdirat(AT_FDCWD, "d", 0755)`, "= 0")},
		{"fchownat with -1", call(t, "fchownat", 0, atFDCWD, cstr("f"), 0xffffffff, 1000, 0x100),
			decode.ModePaths, `fchownat(AT_FDCWD, "f", -1, 1000, AT_SYMLINK_NOFOLLOW) = 0`},
		{"mknodat of a device", call(t, "mknodat", 0, atFDCWD, cstr("null"), 0o20600, 1<<8|3),
			decode.ModePaths, `mknodat(AT_FDCWD, "null", S_IFCHR|0600, makedev(0x1, 0x3)) = 0`},
		{"mknodat of a fifo", call(t, "mknodat", 0, atFDCWD, cstr("fifo"), 0o10644, 0),
			decode.ModePaths, pad(`mknodat(AT_FDCWD, "fifo", S_IFIFO|0644)`, "= 0")},
		{"readlinkat's buffer is data, cut at 32", call(t, "readlinkat", 40, atFDCWD, cstr("l"), cstr(strings.Repeat("t", 40)), 64),
			decode.ModePaths, `readlinkat(AT_FDCWD, "l", "tttttttttttttttttttttttttttttttt"..., 64) = 40`},
		{"getcwd", call(t, "getcwd", 5, cstr("/tmp"), 4096),
			decode.ModePaths, pad(`getcwd("/tmp", 4096)`, "= 5")},
	})
	c := call(t, "openat", 3, atFDCWD, cstr("x"), 0)
	if got, want := decodeLine(c, decode.ModeNone), pad(`openat(AT_FDCWD, 0x`+hexOf(c.Args[1])+`, O_RDONLY)`, "= 3"); got != want {
		t.Errorf("mode none:\n  got  %s\n  want %s", got, want)
	}
}

func TestUtimensatTimes(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	times := make([]byte, 32)
	put64(times, 1)
	put64(times[8:], 2)
	put64(times[16:], 0)
	put64(times[24:], 1<<30-2) // UTIME_OMIT
	checkLines(t, []lineCase{
		{"times", call(t, "utimensat", 0, atFDCWD, cstr("f"), bytesAt(times), 0),
			decode.ModePaths, `utimensat(AT_FDCWD, "f", [{tv_sec=1, tv_nsec=2} /* 1970-01-01T00:00:01.000000002+0000 */, UTIME_OMIT], 0) = 0`},
		{"NULL times", call(t, "utimensat", 0, atFDCWD, cstr("f"), 0, 0x100),
			decode.ModePaths, `utimensat(AT_FDCWD, "f", NULL, AT_SYMLINK_NOFOLLOW) = 0`},
	})
}

func TestPathAttributes(t *testing.T) {
	c := call(t, "openat", 7, 5, cstr("caf\xc3\xa9\xff"), 0)
	cp := new(decode.Capture)
	cp.Exit(c, self, decode.ModePaths)
	a := decode.Attributes(c, cp)
	if a.Path != "café\uFFFD" {
		t.Errorf("file.path %q, want the path read, made valid UTF-8", a.Path)
	}
	if !a.HasFD || a.FD != 7 {
		t.Errorf("fd %d (%v), want the returned 7: a dirfd is not the call's descriptor", a.FD, a.HasFD)
	}
	c = call(t, "renameat", 0, atFDCWD, cstr("first"), atFDCWD, cstr("second"))
	cp.Exit(c, self, decode.ModePaths)
	if a := decode.Attributes(c, cp); a.Path != "first" || a.HasFD {
		t.Errorf("renameat: path %q, fd %v; want the first path and no descriptor", a.Path, a.HasFD)
	}
}
