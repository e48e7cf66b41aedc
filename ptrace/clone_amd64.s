#include "textflag.h"
#include "go_asm.h"

// func cloneChild(flags uintptr, stack uintptr, doorbellMask *uint64, launch *launchRegs) (pid int, errno uintptr)
//
// The tracer's children on amd64 (fork.go). The child runs on stack, in
// our memory: it only makes system calls, from registers, and never
// returns. With launch nil it is the doorbell, else the launch child.
TEXT ·cloneChild(SB),NOSPLIT|NOFRAME,$0-48
	MOVQ	flags+0(FP), DI
	MOVQ	stack+8(FP), SI
	MOVQ	doorbellMask+16(FP), R12
	MOVQ	launch+24(FP), R13
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$const_sysClone, AX
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $-const_maxErrno
	JLS	ok
	MOVQ	$-1, pid+32(FP)
	NEGQ	AX
	MOVQ	AX, errno+40(FP)
	RET
ok:
	MOVQ	AX, pid+32(FP)
	MOVQ	$0, errno+40(FP)
	RET

child:
	// prctl(PR_SET_PDEATHSIG, SIGKILL): die with the tracer thread, even
	// before it has seized us (a seized launch child also has EXITKILL).
	MOVQ	$const_prSetPdeathsig, DI
	MOVQ	$const_sigKill, SI
	MOVQ	$const_sysPrctl, AX
	SYSCALL
	TESTQ	R13, R13
	JNE	launch
wait:
	// The doorbell: rt_sigsuspend(mask, sigsetSize), sleeping with only the bell
	// deliverable; the tracer swallows it at the signal-delivery-stop, so
	// no handler runs.
	MOVQ	R12, DI
	MOVQ	$const_sigsetSize, SI
	MOVQ	$const_sysRtSigsuspend, AX
	SYSCALL
	JMP	wait

launch:
	MOVQ	R13, R12
	// prctl(PR_SET_NAME, name): the name execve will give us, so the
	// execve call, counted when entered, is the command's.
	MOVQ	$const_prSetName, DI
	MOVQ	launchRegs_name(R12), SI
	MOVQ	$const_sysPrctl, AX
	SYSCALL
	// kill(getpid(), SIGSTOP): wait, stopped, until the tracer has seized
	// us; it then sends SIGCONT and follows us into the command.
	MOVQ	$const_sysGetpid, AX
	SYSCALL
	MOVQ	AX, DI
	MOVQ	$const_sigStop, SI
	MOVQ	$const_sysKill, AX
	SYSCALL

	MOVQ	launchRegs_filter(R12), R13
	TESTQ	R13, R13
	JEQ	exec
	MOVQ	launchRegs_noNewPrivs(R12), AX
	TESTQ	AX, AX
	JEQ	seccomp
	// prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	MOVQ	$const_prSetNoNewPrivs, DI
	MOVQ	$1, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$const_sysPrctl, AX
	SYSCALL
	TESTQ	AX, AX
	JNE	filterfail
seccomp:
	// seccomp(SECCOMP_SET_MODE_FILTER, 0, filter)
	MOVQ	$const_seccompSetModeFilter, DI
	XORQ	SI, SI
	MOVQ	R13, DX
	MOVQ	$const_sysSeccomp, AX
	SYSCALL
	TESTQ	AX, AX
	JNE	filterfail

exec:
	MOVQ	launchRegs_path(R12), DI
	MOVQ	launchRegs_argv(R12), SI
	MOVQ	launchRegs_envp(R12), DX
	MOVQ	$const_sysExecve, AX
	SYSCALL
	// Failed: write the line for its errno (the first line if none),
	// and exit cannotExecStatus like a shell.
	NEGQ	AX
	MOVQ	launchRegs_errLines(R12), R13
	MOVQ	launchRegs_nErrLines(R12), R9
	MOVQ	execErrLine_msg(R13), SI
	MOVQ	execErrLine_len(R13), DX
find:
	TESTQ	R9, R9
	JEQ	write
	CMPQ	execErrLine_errno(R13), AX
	JNE	next
	MOVQ	execErrLine_msg(R13), SI
	MOVQ	execErrLine_len(R13), DX
next:
	ADDQ	$execErrLine__size, R13
	DECQ	R9
	JMP	find

filterfail:
	MOVQ	launchRegs_filterErr(R12), SI
	MOVQ	launchRegs_filterErrLen(R12), DX
write:
	MOVQ	$const_stderrFD, DI
	MOVQ	$const_sysWrite, AX
	SYSCALL
exit:
	MOVQ	$const_cannotExecStatus, DI
	MOVQ	$const_sysExitGroup, AX
	SYSCALL
	JMP	exit
