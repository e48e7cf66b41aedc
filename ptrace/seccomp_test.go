package ptrace

import (
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

func nr(t *testing.T, arch syscalls.Arch, name string) uint32 {
	t.Helper()
	n, ok := syscalls.Lookup(arch, name)
	if !ok {
		t.Fatalf("no %s on %v", name, arch)
	}
	return n
}

const (
	retTrace = unix.SECCOMP_RET_TRACE
	retAllow = unix.SECCOMP_RET_ALLOW
)

// The filter lists the shorter of the traced and untraced numbers, keeps
// prctl and what resolves interrupted calls traced, and answers for numbers past the table as the selection
// does for unnamed ones.
func TestSeccompDecisions(t *testing.T) {
	x := syscalls.X86_64
	kept := []string{"prctl", "rt_sigreturn", "restart_syscall"}
	for _, c := range []struct {
		expr                     string
		listed                   []string
		listedRet, deflt, beyond uint32
	}{
		{"openat", append([]string{"openat"}, kept...), retTrace, retAllow, retAllow},
		{"openat,read,write", append([]string{"read", "write", "openat"}, kept...), retTrace, retAllow, retAllow},
		{"prctl", kept, retTrace, retAllow, retAllow},
		{"none", kept, retTrace, retAllow, retAllow},
		{"!openat", []string{"openat"}, retAllow, retTrace, retTrace},
		{"!prctl,rt_sigreturn", nil, retAllow, retTrace, retTrace}, // kept traced: nothing is left untraced
		{"all", nil, retAllow, retTrace, retTrace},
		{"!read,write", []string{"read", "write"}, retAllow, retTrace, retTrace},
	} {
		f, err := syscalls.Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		r := seccompDecide(x, f.Bitmap(x), tracerKeeps(x))
		var want []uint32
		for _, name := range c.listed {
			want = append(want, nr(t, x, name))
		}
		slices.Sort(want)
		if r.arch != x || r.tableEnd != uint32(syscalls.Max(x)) || !slices.Equal(r.listed, want) ||
			r.listedRet != c.listedRet || r.defaultRet != c.deflt || r.beyondRet != c.beyond {
			t.Errorf("%q: rules %+v; want listed %v returning %#x, default %#x, beyond the table %#x",
				c.expr, r, want, c.listedRet, c.deflt, c.beyond)
		}
	}
}

// The encoded program returns, for every number on every arch, what the
// selection asks: run over seccomp_data by a reading of classic BPF's
// four instructions it uses.
func TestSeccompProgramDoesWhatItDecides(t *testing.T) {
	for _, arch := range []syscalls.Arch{syscalls.X86_64, syscalls.AArch64} {
		prctl, keep := nr(t, arch, "prctl"), tracerKeeps(arch)
		end := uint32(syscalls.Max(arch))
		for _, expr := range []string{"openat", "none", "!openat", "all", "%file", "!%memory,futex"} {
			f, err := syscalls.Parse(expr)
			if err != nil {
				t.Fatal(err)
			}
			bm := f.Bitmap(arch)
			prog, err := seccompDecide(arch, bm, keep).encode()
			if err != nil {
				t.Fatal(err)
			}
			for n := uint32(0); n < end+3; n++ {
				want := uint32(retAllow)
				if bm.Has(n) || slices.Contains(keep, n) {
					want = retTrace
				}
				if got := runFilter(t, prog, n, arch); got != want {
					t.Errorf("%v %q: nr %d returns %#x, want %#x", arch, expr, n, got, want)
				}
			}
			x32 := uint32(0x40000000) | nr(t, arch, "read")
			if got, want := runFilter(t, prog, x32, arch), map[bool]uint32{true: retTrace, false: retAllow}[bm.Has(x32)]; got != want {
				t.Errorf("%v %q: nr %#x returns %#x, want %#x", arch, expr, x32, got, want)
			}
			if got := runFilter(t, prog, prctl+1, syscalls.I386); got != retTrace {
				t.Errorf("%v %q: another arch returns %#x, want RET_TRACE", arch, expr, got)
			}
		}
	}
}

// runFilter runs prog on a seccomp_data of nr and arch.
func runFilter(t *testing.T, prog []unix.SockFilter, nr uint32, arch syscalls.Arch) uint32 {
	t.Helper()
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			switch in.K {
			case 0:
				acc = nr
			case 4:
				acc = uint32(arch)
			default:
				t.Fatalf("load from offset %d", in.K)
			}
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			if acc == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			if acc >= in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		default:
			t.Fatalf("instruction %#x", in.Code)
		}
	}
	t.Fatal("the program ran off its end")
	return 0
}
