package ptrace

import (
	"fmt"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// With --syscalls in launch mode, the launched command runs under a
// seccomp-bpf filter that returns SECCOMP_RET_TRACE for the selected calls
// and SECCOMP_RET_ALLOW for the rest: the rest never stop, and run at
// native speed. Without a tracer, RET_TRACE fails the call with ENOSYS, so
// this is only for commands launched with EXITKILL, never attached ones.

// seccompProgram compiles the filter for the native arch, for the launch
// child to install just before execve.
func seccompProgram(f *syscalls.Filter) ([]unix.SockFilter, error) {
	arch := syscalls.Native()
	return seccompDecide(arch, f.Bitmap(arch), tracerKeeps(arch)).encode()
}

// tracerKeeps are the calls the filter traces whatever the selection:
// prctl, so that thread renames are still seen, and the calls that tell
// what became of an interrupted call (interrupted.go).
func tracerKeeps(arch syscalls.Arch) []uint32 {
	w := &watched[arch.Index()]
	keep := []uint32{w.prctl, w.rtSigreturn, w.sigreturn}
	if nr, ok := syscalls.Lookup(arch, "restart_syscall"); ok {
		keep = append(keep, nr)
	}
	return keep
}

// seccompRules are the filter's decisions for one arch, before encoding.
type seccompRules struct {
	arch                             syscalls.Arch
	tableEnd                         uint32   // numbers from here on get beyondRet
	listed                           []uint32 // ascending; each gets listedRet
	listedRet, defaultRet, beyondRet uint32
}

// seccompDecide decides the filter for arch from the selection bm. It
// lists the shorter of the selected and unselected numbers of arch's
// table, keeping the calls in keep traced; numbers past the table take
// bm's word for them. Other arches are traced (encode): the tracer
// filters those itself.
func seccompDecide(arch syscalls.Arch, bm syscalls.Bitmap, keep []uint32) seccompRules {
	tableEnd := uint32(syscalls.Max(arch))
	var traced, allowed []uint32
	for nr := uint32(0); nr < tableEnd; nr++ {
		if bm.Has(nr) || slices.Contains(keep, nr) {
			traced = append(traced, nr)
		} else {
			allowed = append(allowed, nr)
		}
	}
	r := seccompRules{arch: arch, tableEnd: tableEnd, beyondRet: unix.SECCOMP_RET_ALLOW,
		listed: traced, listedRet: unix.SECCOMP_RET_TRACE, defaultRet: unix.SECCOMP_RET_ALLOW}
	if bm.Has(tableEnd) {
		r.beyondRet = unix.SECCOMP_RET_TRACE
	}
	if len(allowed) < len(traced) {
		r.listed, r.listedRet, r.defaultRet = allowed, unix.SECCOMP_RET_ALLOW, unix.SECCOMP_RET_TRACE
	}
	return r
}

// encode compiles the rules into classic BPF over struct seccomp_data (nr
// at offset 0, arch at 4).
func (r seccompRules) encode() ([]unix.SockFilter, error) {
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
		jump(jeq, uint32(r.arch), 1, 0),
		stmt(ret, unix.SECCOMP_RET_TRACE), // another arch: the tracer decides
		stmt(ldAbs, 0),                    // nr
		// Numbers past the table (x32's high bit among them).
		jump(jge, r.tableEnd, 0, 1),
		stmt(ret, r.beyondRet),
	}
	for _, n := range r.listed {
		prog = append(prog, jump(jeq, n, 0, 1), stmt(ret, r.listedRet))
	}
	prog = append(prog, stmt(ret, r.defaultRet))
	if len(prog) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp filter too long (%d instructions)", len(prog))
	}
	return prog, nil
}
