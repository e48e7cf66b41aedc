package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// mmap, mprotect, munmap, brk, madvise, mremap (strace's mem.c): pointers
// as printaddr, protections and flags by name, mmap's and brk's results
// in hex.

var mmapProt = xlat{
	{0, "PROT_NONE"}, {1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}, {8, "PROT_SEM"},
	{0x01000000, "PROT_GROWSDOWN"}, {0x02000000, "PROT_GROWSUP"},
}

// mmapFlags is xlat/mmap_flags.in with the x86 and generic values; the
// type (MAP_SHARED...) and MAP_FILE (0) are looked up first.
var mmapFlagsX86 = xlat{
	{0x1, "MAP_SHARED"}, {0x2, "MAP_PRIVATE"}, {0x3, "MAP_SHARED_VALIDATE"}, {0x10, "MAP_FIXED"},
	{0x20, "MAP_ANONYMOUS"}, {0x40, "MAP_32BIT"}, {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
	{0x10000, "MAP_NONBLOCK"}, {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"},
	{0, "MAP_FILE"}, {0x2000, "MAP_LOCKED"}, {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"},
	{0x80000, "MAP_SYNC"}, {0x4000000, "MAP_UNINITIALIZED"}, {0x100000, "MAP_FIXED_NOREPLACE"},
}

var mmapFlagsGeneric = xlat{
	{0x1, "MAP_SHARED"}, {0x2, "MAP_PRIVATE"}, {0x3, "MAP_SHARED_VALIDATE"}, {0x10, "MAP_FIXED"},
	{0x20, "MAP_ANONYMOUS"}, {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
	{0x10000, "MAP_NONBLOCK"}, {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"},
	{0, "MAP_FILE"}, {0x2000, "MAP_LOCKED"}, {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"},
	{0x80000, "MAP_SYNC"}, {0x4000000, "MAP_UNINITIALIZED"}, {0x100000, "MAP_FIXED_NOREPLACE"},
}

const (
	mapType      = 0xf
	mapHugeShift = 26
	mapHugeMask  = 0x3f
)

func (f *formatter) mmapFlags(v uint64) {
	table := mmapFlagsX86
	if f.c.Arch == syscalls.AArch64 {
		table = mmapFlagsGeneric
	}
	f.xval(table, v&mapType, "MAP_???")
	v &^= mapType
	huge := v & (mapHugeMask << mapHugeShift)
	v &^= huge
	if v != 0 {
		f.s("|")
		f.flags(table, v, "")
	}
	if huge != 0 {
		f.s("|")
		f.u(huge >> mapHugeShift)
		f.s("<<MAP_HUGE_SHIFT")
	}
}

// fmtMmapAt prints mmap's arguments with the offset in bytes.
func fmtMmapAt(f *formatter, offset uint64) {
	f.ptr(0)
	f.sep()
	f.ulong(1)
	f.sep()
	f.flags(mmapProt, f.arg(2), "PROT_???")
	f.sep()
	f.mmapFlags(f.arg(3))
	f.sep()
	f.int(4)
	f.sep()
	f.x(offset)
	f.ret = retHex
}

func fmtMmap(f *formatter) { fmtMmapAt(f, f.arg(5)) }

// mmap2 (i386) takes the offset in 4096-byte pages.
func fmtMmap2(f *formatter) { fmtMmapAt(f, f.arg(5)*4096) }

func fmtMunmap(f *formatter) { f.ptr(0); f.sep(); f.ulong(1) }

func fmtMprotect(f *formatter) {
	fmtMunmap(f)
	f.sep()
	f.flags(mmapProt, f.arg(2), "PROT_???")
}

func fmtBrk(f *formatter) { f.ptr(0); f.ret = retHex }

var mremapFlags = xlat{{1, "MREMAP_MAYMOVE"}, {2, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"}}

func fmtMremap(f *formatter) {
	f.ptr(0)
	f.sep()
	f.ulong(1)
	f.sep()
	f.ulong(2)
	f.sep()
	flags := f.arg(3)
	f.flags(mremapFlags, flags, "MREMAP_???")
	if flags&3 == 3 {
		f.sep()
		f.ptr(4)
	}
	f.ret = retHex
}

var madviseAdvice = xlat{
	{0, "MADV_NORMAL"}, {1, "MADV_RANDOM"}, {2, "MADV_SEQUENTIAL"}, {3, "MADV_WILLNEED"},
	{4, "MADV_DONTNEED"}, {8, "MADV_FREE"}, {9, "MADV_REMOVE"}, {10, "MADV_DONTFORK"},
	{11, "MADV_DOFORK"}, {12, "MADV_MERGEABLE"}, {13, "MADV_UNMERGEABLE"}, {14, "MADV_HUGEPAGE"},
	{15, "MADV_NOHUGEPAGE"}, {16, "MADV_DONTDUMP"}, {17, "MADV_DODUMP"}, {18, "MADV_WIPEONFORK"},
	{19, "MADV_KEEPONFORK"}, {20, "MADV_COLD"}, {21, "MADV_PAGEOUT"}, {22, "MADV_POPULATE_READ"},
	{23, "MADV_POPULATE_WRITE"}, {24, "MADV_DONTNEED_LOCKED"}, {25, "MADV_COLLAPSE"}, {100, "MADV_HWPOISON"}, {101, "MADV_SOFT_OFFLINE"},
}

func fmtMadvise(f *formatter) {
	fmtMunmap(f)
	f.sep()
	f.xval(madviseAdvice, uint64(uint32(f.arg(2))), "MADV_???")
}
