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
	MOVQ	$56, AX // SYS_clone
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
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
	MOVQ	$1, DI
	MOVQ	$9, SI
	MOVQ	$157, AX // SYS_prctl
	SYSCALL
	TESTQ	R13, R13
	JNE	launch
wait:
	// The doorbell: rt_sigsuspend(mask, 8), sleeping with only the bell
	// deliverable; the tracer swallows it at the signal-delivery-stop, so
	// no handler runs.
	MOVQ	R12, DI
	MOVQ	$8, SI
	MOVQ	$130, AX // SYS_rt_sigsuspend
	SYSCALL
	JMP	wait

launch:
	MOVQ	R13, R12
	// prctl(PR_SET_NAME, name): the name execve will give us, so the
	// execve call, counted when entered, is the command's.
	MOVQ	$15, DI
	MOVQ	launchRegs_name(R12), SI
	MOVQ	$157, AX
	SYSCALL
	// kill(getpid(), SIGSTOP): wait, stopped, until the tracer has seized
	// us; it then sends SIGCONT and follows us into the command.
	MOVQ	$39, AX // SYS_getpid
	SYSCALL
	MOVQ	AX, DI
	MOVQ	$19, SI
	MOVQ	$62, AX // SYS_kill
	SYSCALL

	MOVQ	launchRegs_filter(R12), R13
	TESTQ	R13, R13
	JEQ	exec
	MOVQ	launchRegs_noNewPrivs(R12), AX
	TESTQ	AX, AX
	JEQ	seccomp
	// prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	MOVQ	$38, DI
	MOVQ	$1, SI
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$157, AX
	SYSCALL
	TESTQ	AX, AX
	JNE	filterfail
seccomp:
	// seccomp(SECCOMP_SET_MODE_FILTER, 0, filter)
	MOVQ	$1, DI
	XORQ	SI, SI
	MOVQ	R13, DX
	MOVQ	$317, AX // SYS_seccomp
	SYSCALL
	TESTQ	AX, AX
	JNE	filterfail

exec:
	MOVQ	launchRegs_path(R12), DI
	MOVQ	launchRegs_argv(R12), SI
	MOVQ	launchRegs_envp(R12), DX
	MOVQ	$59, AX // SYS_execve
	SYSCALL
	// Failed: write the line for its errno (the first line if none),
	// and exit 126 like a shell.
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
	MOVQ	$2, DI
	MOVQ	$1, AX // SYS_write
	SYSCALL
exit:
	MOVQ	$126, DI
	MOVQ	$231, AX // SYS_exit_group
	SYSCALL
	JMP	exit
