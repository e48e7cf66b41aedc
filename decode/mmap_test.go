package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func TestMemoryCalls(t *testing.T) {
	checkLines(t, []lineCase{
		{"mmap", call(t, "mmap", 0x7f0000000000, 0, 8192, 3, 0x22, 1<<64-1, 0), decode.ModePaths,
			"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000"},
		{"mmap a file at an offset", call(t, "mmap", 0x7f0000000000, 0x7f0000000000, 4096, 5, 0x812, 3, 0x26000), decode.ModePaths,
			"mmap(0x7f0000000000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f0000000000"},
		{"huge pages", call(t, "mmap", -12, 0, 2<<20, 3, 0x40022|21<<26, 1<<64-1, 0), decode.ModePaths,
			"mmap(NULL, 2097152, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT, -1, 0) = -1 ENOMEM (Cannot allocate memory)"},
		{"type 0 is MAP_FILE", call(t, "mmap", -22, 0, 4096, 0, 0x20, 1<<64-1, 0), decode.ModePaths,
			"mmap(NULL, 4096, PROT_NONE, MAP_FILE|MAP_ANONYMOUS, -1, 0) = -1 EINVAL (Invalid argument)"},
		{"mprotect", call(t, "mprotect", 0, 0x7f0000001000, 4096, 0), decode.ModePaths, pad("mprotect(0x7f0000001000, 4096, PROT_NONE)", "= 0")},
		{"munmap", call(t, "munmap", 0, 0x7f0000001000, 4096), decode.ModePaths, pad("munmap(0x7f0000001000, 4096)", "= 0")},
		{"brk", call(t, "brk", 0x555555559000, 0), decode.ModePaths, pad("brk(NULL)", "= 0x555555559000")},
		{"madvise", call(t, "madvise", 0, 0x7f0000001000, 4096, 4), decode.ModePaths, pad("madvise(0x7f0000001000, 4096, MADV_DONTNEED)", "= 0")},
	})
}
