package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// open(2) flags in strace's order (xlat/open_mode_flags.in). O_SYNC and
// O_TMPFILE come before the bits they contain, so they name them whole.
// x86_64 and i386 share the values (O_LARGEFILE as the kernel sets it in
// F_GETFL); aarch64 moves four of them.
var openFlagsX86 = xlat{
	{0o100, "O_CREAT"}, {0o200, "O_EXCL"}, {0o400, "O_NOCTTY"}, {0o1000, "O_TRUNC"},
	{0o2000, "O_APPEND"}, {0o4000, "O_NONBLOCK"}, {0o4010000, "O_SYNC"}, {0o4000000, "__O_SYNC"},
	{0o10000, "O_DSYNC"}, {0o40000, "O_DIRECT"}, {0o100000, "O_LARGEFILE"}, {0o400000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"}, {0o2000000, "O_CLOEXEC"}, {0o10000000, "O_PATH"},
	{0o20200000, "O_TMPFILE"}, {0o20000000, "__O_TMPFILE"}, {0o200000, "O_DIRECTORY"}, {0o20000, "FASYNC"},
}

var openFlagsAArch64 = xlat{
	{0o100, "O_CREAT"}, {0o200, "O_EXCL"}, {0o400, "O_NOCTTY"}, {0o1000, "O_TRUNC"},
	{0o2000, "O_APPEND"}, {0o4000, "O_NONBLOCK"}, {0o4010000, "O_SYNC"}, {0o4000000, "__O_SYNC"},
	{0o10000, "O_DSYNC"}, {0o200000, "O_DIRECT"}, {0o400000, "O_LARGEFILE"}, {0o100000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"}, {0o2000000, "O_CLOEXEC"}, {0o10000000, "O_PATH"},
	{0o20040000, "O_TMPFILE"}, {0o20000000, "__O_TMPFILE"}, {0o40000, "O_DIRECTORY"}, {0o20000, "FASYNC"},
}

var openAccessModes = [4]string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}

// O_CREAT and __O_TMPFILE: an open that has either takes a mode.
const (
	oCreat      = 0o100
	oTmpfileBit = 0o20000000
)

func openFlags(a syscalls.Arch) xlat {
	if a == syscalls.AArch64 {
		return openFlagsAArch64
	}
	return openFlagsX86
}

// openModes prints open flags as strace's tprint_open_modes: the access
// mode by name, then every other flag.
func (f *formatter) openModes(v uint64) {
	f.s(openModesString(f.c.Arch, v))
}

func openModesString(a syscalls.Arch, v uint64) string {
	var f formatter
	f.s(openAccessModes[v&3])
	v &^= 3
	for _, e := range openFlags(a) {
		if v == 0 {
			break
		}
		if v&e.v == e.v {
			f.s("|")
			f.s(e.s)
			v &^= e.v
		}
	}
	if v != 0 {
		f.s("|")
		f.x(v)
	}
	return string(f.b)
}

// openHasMode reports whether open flags v make the call take a mode.
func openHasMode(v uint64) bool {
	return v&(oCreat|oTmpfileBit) != 0
}
