package syscalls

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		expr     string
		match    []string
		mismatch []string
	}{
		{"openat,read", []string{"openat", "read"}, []string{"open", "write", "syscall_999"}},
		{" openat , read ", []string{"openat", "read"}, []string{"write"}},
		{"%file,%network", []string{"open", "openat", "stat", "socket", "connect"}, []string{"read", "mmap", "futex"}},
		{"%net", []string{"socket"}, []string{"read"}},
		{"%%stat", []string{"stat", "fstat", "newfstatat"}, []string{"statfs"}},
		{"!%memory,futex", []string{"read", "openat", "syscall_999"}, []string{"mmap", "munmap", "brk", "futex"}},
		{"!open,close", []string{"openat", "read"}, []string{"open", "close"}},
		{" !!open", []string{"open"}, []string{"openat"}},
		{"all", []string{"read", "futex", "syscall_999"}, nil},
		{"!none", []string{"read", "syscall_999"}, nil},
		{"none", nil, []string{"read", "futex", "syscall_999"}},
		{"!all", nil, []string{"read", "syscall_999"}},
		{"open", []string{"open"}, []string{"openat"}}, // known on x86_64 and i386 only
		{"_llseek,mmap2", []string{"_llseek", "mmap2"}, []string{"lseek"}},
	}
	for _, tt := range tests {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		for _, name := range tt.match {
			if !f.Match(name) {
				t.Errorf("Parse(%q) does not match %s", tt.expr, name)
			}
		}
		for _, name := range tt.mismatch {
			if f.Match(name) {
				t.Errorf("Parse(%q) matches %s", tt.expr, name)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"opne", `--syscalls: unknown syscall "opne" (did you mean "open"?)`},
		{"openat,raed", `--syscalls: unknown syscall "raed" (did you mean "read"?)`},
		{"%fiel", `--syscalls: unknown class "%fiel" (did you mean "%file"?)`},
		{"!%memory,xyzzy", `--syscalls: unknown syscall "xyzzy"`},
		{"all,open", `--syscalls: unknown syscall "all"`},
		{"OPENAT", `--syscalls: unknown syscall "OPENAT"`},
		{"%", `--syscalls: unknown class "%"`},
		{"59", `--syscalls: unknown syscall "59"`},
		{"", `--syscalls: empty list in ""`},
		{"!", `--syscalls: empty list in "!"`},
		{"openat,,read", `--syscalls: empty entry in "openat,,read"`},
		{"openat,", `--syscalls: empty entry in "openat,"`},
		{"open\nat", `--syscalls: unknown syscall "open\nat"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tt.expr)
			continue
		}
		if got := err.Error(); !strings.HasPrefix(got, tt.want) || strings.Contains(got, "\n") {
			t.Errorf("Parse(%q) error = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestNumbersAndBitmap(t *testing.T) {
	f, err := Parse("openat,read,open,exit_group")
	if err != nil {
		t.Fatal(err)
	}
	want := map[Arch][]uint32{
		X86_64:                    {0, 2, 231, 257},
		AArch64:                   {56, 63, 94},
		I386:                      {3, 5, 252, 295},
		Arch(unix.AUDIT_ARCH_ARM): nil,
	}
	for arch, nrs := range want {
		if got := f.Numbers(arch); !slices.Equal(got, nrs) {
			t.Errorf("Numbers(%#x) = %v, want %v", arch, got, nrs)
		}
		b := f.Bitmap(arch)
		for nr := range uint32(600) {
			if got := b.Has(nr); got != slices.Contains(nrs, nr) {
				t.Errorf("Bitmap(%#x).Has(%d) = %v", arch, nr, got)
			}
		}
	}

	neg, err := Parse("!read")
	if err != nil {
		t.Fatal(err)
	}
	b := neg.Bitmap(X86_64)
	for nr, want := range map[uint32]bool{0: false, 1: true, 400: true, 100000: true} {
		if got := b.Has(nr); got != want {
			t.Errorf("!read: Has(%d) = %v, want %v", nr, got, want)
		}
	}
	if nrs := neg.Numbers(X86_64); slices.Contains(nrs, 0) || slices.Contains(nrs, 400) || !slices.Contains(nrs, 1) {
		t.Errorf("!read: Numbers = %v", nrs)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = b.Has(1) }); allocs != 0 {
		t.Errorf("Bitmap.Has allocates %v times", allocs)
	}
}

func TestZeroFilterSelectsNothing(t *testing.T) {
	var f Filter
	if f.Match("read") || len(f.Numbers(X86_64)) != 0 || f.Bitmap(X86_64).Has(0) {
		t.Error("zero Filter selects something")
	}
}

// FuzzParse's seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, expr string) {
		filter, err := Parse(expr)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Parse(%q) error spans lines: %q", expr, err)
			}
			return
		}
		// The three views of a parsed filter must agree.
		for _, a := range Arches {
			numbers := filter.Numbers(a)
			if !slices.IsSorted(numbers) {
				t.Errorf("Numbers(%s) not sorted: %v", a, numbers)
			}
			bitmap := filter.Bitmap(a)
			for nr := range uint32(Max(a) + 1) {
				name := Name(a, nr)
				if bitmap.Has(nr) != filter.Match(name) {
					t.Errorf("Parse(%q) on %s: Bitmap.Has(%d) = %v, Match(%q) = %v", expr, a, nr, bitmap.Has(nr), name, filter.Match(name))
				}
				if named := int(nr) < Max(a) && a.table()[nr] != ""; named {
					if _, listed := slices.BinarySearch(numbers, nr); listed != filter.Match(name) {
						t.Errorf("Parse(%q) on %s: Numbers and Match disagree on %s", expr, a, name)
					}
				}
			}
		}
	})
}
