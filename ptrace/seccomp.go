package ptrace

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/ptrace/syscalls"
)

// With --syscalls in launch mode, the launched command runs under a
// seccomp-bpf filter that returns SECCOMP_RET_TRACE for the selected calls
// and SECCOMP_RET_ALLOW for the rest: the rest never stop, and run at
// native speed. Without a tracer, RET_TRACE fails the call with ENOSYS, so
// this is only for commands launched with EXITKILL, never attached ones.

// seccompSpec's text, "<native audit arch>:<default action>:<listed
// action>:<nr>,<nr>…" with actions t (trace) or a (allow), is compiled by
// seccompProgram and installed by the launch child just before execve.

// seccompSpec describes the filter for the native arch: the shorter of
// the selected and unselected lists, and what to do with numbers past the
// table and with other arches (trace: the tracer filters those itself).
func seccompSpec(f *syscalls.Filter) string {
	arch := syscalls.Native()
	bm := f.Bitmap(arch)
	var traced, allowed []string
	for nr := 0; nr < syscalls.Max(arch); nr++ {
		if bm.Has(uint32(nr)) || uint32(nr) == watched[archIndex(arch)].prctl {
			// prctl stays visible so thread renames are still seen.
			traced = append(traced, strconv.Itoa(nr))
		} else {
			allowed = append(allowed, strconv.Itoa(nr))
		}
	}
	beyond := "a"
	if bm.Has(uint32(syscalls.Max(arch))) {
		beyond = "t"
	}
	if len(traced) <= len(allowed) {
		return fmt.Sprintf("%d:%s:t:%s", arch, beyond, strings.Join(traced, ","))
	}
	return fmt.Sprintf("%d:%s:a:%s", arch, beyond, strings.Join(allowed, ","))
}

const (
	seccompRetTrace = unix.SECCOMP_RET_TRACE
	seccompRetAllow = 0x7fff0000 // SECCOMP_RET_ALLOW
)

// seccompProgram compiles a spec into classic BPF over struct seccomp_data
// (nr at offset 0, arch at 4).
func seccompProgram(spec string) ([]unix.SockFilter, error) {
	parts := strings.SplitN(spec, ":", 4)
	if len(parts) != 4 {
		return nil, fmt.Errorf("bad seccomp spec")
	}
	arch, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil {
		return nil, err
	}
	action := func(s string) uint32 {
		if s == "t" {
			return seccompRetTrace
		}
		return seccompRetAllow
	}
	beyond, listed := action(parts[1]), action(parts[2])
	deflt := uint32(seccompRetTrace)
	if listed == seccompRetTrace {
		deflt = seccompRetAllow
	}
	var nrs []uint32
	if parts[3] != "" {
		for _, s := range strings.Split(parts[3], ",") {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, err
			}
			nrs = append(nrs, uint32(n))
		}
	}
	max := uint32(0)
	for _, n := range nrs {
		if n+1 > max {
			max = n + 1
		}
	}
	stmt := func(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }
	jump := func(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
		return unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k}
	}
	const (
		ldAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		ret   = unix.BPF_RET | unix.BPF_K
	)
	prog := []unix.SockFilter{
		stmt(ldAbs, 4), // arch
		jump(jeq, uint32(arch), 1, 0),
		stmt(ret, seccompRetTrace), // another arch: the tracer decides
		stmt(ldAbs, 0),             // nr
	}
	// Numbers past every listed one (x32's high bit among them) take the
	// action for unnamed numbers, unless the listed action's default fits.
	tableEnd := uint32(syscalls.Max(uint32(arch)))
	if tableEnd < max {
		tableEnd = max
	}
	prog = append(prog, jump(jge, tableEnd, 0, 1), stmt(ret, beyond))
	for _, n := range nrs {
		prog = append(prog, jump(jeq, n, 0, 1), stmt(ret, listed))
	}
	prog = append(prog, stmt(ret, deflt))
	if len(prog) > 4096 {
		return nil, fmt.Errorf("seccomp filter too long (%d instructions)", len(prog))
	}
	return prog, nil
}

func hasCapSysAdmin() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n&(1<<unix.CAP_SYS_ADMIN) != 0
		}
	}
	return false
}
