package ptrace

import "golang.org/x/sys/unix"

// i386CodeSegment is the code segment selector of a 32-bit task on amd64
// (__USER32_CS).
const i386CodeSegment = 0x23

// regsInfo fills info from the registers, for kernels before 5.3 that lack
// PTRACE_GET_SYSCALL_INFO. At entry the kernel has set rax to -ENOSYS.
func (t *Tracer) regsInfo(th *thread, info *syscallInfo) bool {
	var r unix.PtraceRegs
	if err := unix.PtraceGetRegs(int(th.TID), &r); err != nil {
		return false
	}
	info.Arch = unix.AUDIT_ARCH_X86_64
	if r.Cs == i386CodeSegment {
		info.Arch = unix.AUDIT_ARCH_I386
	}
	info.SP = r.Rsp
	if int64(r.Rax) == -int64(unix.ENOSYS) && !th.inSyscall {
		info.Op = syscallInfoEntry
		info.Data = [7]uint64{r.Orig_rax, r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9}
		if info.Arch == unix.AUDIT_ARCH_I386 {
			info.Data = [7]uint64{r.Orig_rax, r.Rbx, r.Rcx, r.Rdx, r.Rsi, r.Rdi, r.Rbp}
		}
		return true
	}
	info.Op = syscallInfoExit
	rval := int64(r.Rax)
	if info.Arch == unix.AUDIT_ARCH_I386 {
		rval = int64(int32(r.Rax))
	}
	info.Data[0] = uint64(rval)
	info.Data[1] = 0
	if isErrno(rval) {
		info.Data[1] = 1
	}
	return true
}
