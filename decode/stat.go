package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// stat, lstat, fstat, newfstatat (and i386's stat64 family), statx: the
// buffer they fill prints abbreviated, as strace does by default:
// {st_mode=S_IFREG|0644, st_size=6, ...}, st_rdev for devices.

const (
	sIFMT   = 0o170000
	sIFSOCK = 0o140000
	sIFLNK  = 0o120000
	sIFREG  = 0o100000
	sIFBLK  = 0o060000
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFIFO  = 0o010000
	sISUID  = 0o4000
	sISGID  = 0o2000
	sISVTX  = 0o1000
)

var modeTypes = xlat{
	{sIFREG, "S_IFREG"}, {sIFSOCK, "S_IFSOCK"}, {sIFIFO, "S_IFIFO"}, {sIFLNK, "S_IFLNK"},
	{sIFDIR, "S_IFDIR"}, {sIFBLK, "S_IFBLK"}, {sIFCHR, "S_IFCHR"},
}

// symbolicMode is strace's print_symbolic_mode_t: type|S_ISUID|...|0644;
// an unknown type prints the whole mode in octal.
func (f *formatter) symbolicMode(mode uint32) {
	ifmt := ""
	if mode&sIFMT != 0 {
		s, ok := modeTypes.lookup(uint64(mode & sIFMT))
		if !ok {
			f.o(uint64(mode))
			return
		}
		ifmt = s + "|"
	}
	f.s(ifmt)
	if mode&sISUID != 0 {
		f.s("S_ISUID|")
	}
	if mode&sISGID != 0 {
		f.s("S_ISGID|")
	}
	if mode&sISVTX != 0 {
		f.s("S_ISVTX|")
	}
	f.o(uint64(mode &^ (sIFMT | sISUID | sISGID | sISVTX)))
}

// devT is strace's print_dev_t: makedev(major, minor) in hex, split as
// glibc's major() and minor() do.
func (f *formatter) devT(dev uint64) {
	major := dev>>8&0xfff | dev>>32&^0xfff
	minor := dev&0xff | dev>>12&^0xff
	f.s("makedev(")
	f.x(major)
	f.sep()
	f.x(minor)
	f.s(")")
}

// statLayout is where struct stat keeps the fields strace shows.
type statLayout struct{ size, mode, rdev, size64 int }

var (
	statX86_64  = statLayout{size: 144, mode: 24, rdev: 40, size64: 48}
	statGeneric = statLayout{size: 128, mode: 16, rdev: 32, size64: 48} // asm-generic: aarch64
	stat64I386  = statLayout{size: 96, mode: 16, rdev: 32, size64: 44}  // struct stat64
)

func statOf(a syscalls.Arch) statLayout {
	switch a {
	case syscalls.AArch64:
		return statGeneric
	case syscalls.I386:
		return stat64I386
	}
	return statX86_64
}

// capStatAt reads the path at argument path (-1 for none) and, after a
// success, the buffer at argument buf.
func capStatAt(path, buf int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		if path >= 0 {
			cp.readString(argKey(path), cp.arg(path), PathMax)
		}
		if c := cp.call; c.Exit != 0 && c.Errno == 0 {
			cp.readExact(argKey(buf), cp.arg(buf), statOf(cp.arch).size)
		}
	}
}

func (f *formatter) statBuf(i int) {
	b := f.out(argKey(i))
	if b == nil {
		f.ptr(i)
		return
	}
	l := statOf(f.c.Arch)
	mode := le32(b[l.mode:])
	f.s("{st_mode=")
	f.symbolicMode(mode)
	switch mode & sIFMT {
	case sIFCHR, sIFBLK:
		f.s(", st_rdev=")
		f.devT(le64(b[l.rdev:]))
	default:
		f.s(", st_size=")
		f.u(le64(b[l.size64:]))
	}
	f.s(", ...}")
}

func fmtStat(f *formatter)  { f.path(0); f.sep(); f.statBuf(1) }
func fmtFstat(f *formatter) { f.fd(0); f.sep(); f.statBuf(1) }
func fmtNewfstatat(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	f.statBuf(2)
	f.sep()
	f.flags(atFlags, uint64(uint32(f.arg(3))), "AT_???")
}

// statx(dirfd, path, flags, mask, statxbuf).
var statxMasks = xlat{
	{0xfff, "STATX_ALL"}, {0x7ff, "STATX_BASIC_STATS"},
	{0x1, "STATX_TYPE"}, {0x2, "STATX_MODE"}, {0x4, "STATX_NLINK"}, {0x8, "STATX_UID"},
	{0x10, "STATX_GID"}, {0x20, "STATX_ATIME"}, {0x40, "STATX_MTIME"}, {0x80, "STATX_CTIME"},
	{0x100, "STATX_INO"}, {0x200, "STATX_SIZE"}, {0x400, "STATX_BLOCKS"}, {0x800, "STATX_BTIME"},
	{0x1000, "STATX_MNT_ID"}, {0x2000, "STATX_DIOALIGN"},
}

var statxAttrs = xlat{
	{0x4, "STATX_ATTR_COMPRESSED"}, {0x10, "STATX_ATTR_IMMUTABLE"}, {0x20, "STATX_ATTR_APPEND"},
	{0x40, "STATX_ATTR_NODUMP"}, {0x800, "STATX_ATTR_ENCRYPTED"}, {0x1000, "STATX_ATTR_AUTOMOUNT"},
	{0x2000, "STATX_ATTR_MOUNT_ROOT"}, {0x100000, "STATX_ATTR_VERITY"}, {0x200000, "STATX_ATTR_DAX"},
}

var statxSyncTypes = xlat{{0, "AT_STATX_SYNC_AS_STAT"}, {0x2000, "AT_STATX_FORCE_SYNC"}, {0x4000, "AT_STATX_DONT_SYNC"}}

const (
	statxSize       = 256
	atStatxSyncType = 0x6000
)

func fmtStatx(f *formatter) {
	f.dirfd(0)
	f.sep()
	f.path(1)
	f.sep()
	flags := uint64(uint32(f.arg(2)))
	f.flags(statxSyncTypes, flags&atStatxSyncType, "")
	if flags &^= atStatxSyncType; flags != 0 {
		f.s("|")
		f.flags(atFlags, flags, "")
	}
	f.sep()
	f.flags(statxMasks, uint64(uint32(f.arg(3))), "STATX_???")
	f.sep()
	b := f.out(argKey(4))
	if b == nil {
		f.ptr(4)
		return
	}
	mask := uint64(le32(b))
	f.s("{stx_mask=")
	f.flags(statxMasks, mask, "STATX_???")
	f.s(", stx_attributes=")
	f.flags(statxAttrs, le64(b[8:]), "STATX_ATTR_???")
	if mask&0x3 != 0 { // STATX_TYPE|STATX_MODE
		f.s(", stx_mode=")
		f.symbolicMode(uint32(le16(b[28:])))
	}
	if mask&0x200 != 0 { // STATX_SIZE
		f.s(", stx_size=")
		f.u(le64(b[40:]))
	}
	f.s(", ...}")
}

func capStatx(cp *Capture, _ bool) {
	cp.readString(argKey(1), cp.arg(1), PathMax)
	if c := cp.call; c.Exit != 0 && c.Errno == 0 {
		cp.readExact(argKey(4), cp.arg(4), statxSize)
	}
}
