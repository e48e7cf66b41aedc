package ptrace

import "golang.org/x/sys/unix"

// regsInfo fills info from the registers, for kernels before 5.3 that lack
// PTRACE_GET_SYSCALL_INFO. arm64 has no entry marker, so stops alternate.
func (t *Tracer) regsInfo(th *thread, info *syscallInfo) bool {
	var r unix.PtraceRegs
	if err := unix.PtraceGetRegs(int(th.TID), &r); err != nil {
		return false
	}
	info.Arch = unix.AUDIT_ARCH_AARCH64
	info.SP = r.Sp
	if !th.inSyscall {
		info.Op = syscallInfoEntry
		info.Data = [7]uint64{r.Regs[8], r.Regs[0], r.Regs[1], r.Regs[2], r.Regs[3], r.Regs[4], r.Regs[5]}
		return true
	}
	info.Op = syscallInfoExit
	rval := int64(r.Regs[0])
	info.Data[0] = uint64(rval)
	info.Data[1] = 0
	if isErrno(rval) {
		info.Data[1] = 1
	}
	return true
}
