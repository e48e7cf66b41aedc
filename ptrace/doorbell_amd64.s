#include "textflag.h"

// func cloneDoorbell(flags uintptr, stack uintptr, mask *uint64) (pid int, errno uintptr)
//
// The child runs on stack, in our memory: it only makes system calls,
// from registers, and never returns.
TEXT ·cloneDoorbell(SB),NOSPLIT|NOFRAME,$0-40
	MOVQ	flags+0(FP), DI
	MOVQ	stack+8(FP), SI
	MOVQ	mask+16(FP), R12
	XORQ	DX, DX
	XORQ	R10, R10
	XORQ	R8, R8
	MOVQ	$56, AX // SYS_clone
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	MOVQ	$-1, pid+24(FP)
	NEGQ	AX
	MOVQ	AX, errno+32(FP)
	RET
ok:
	MOVQ	AX, pid+24(FP)
	MOVQ	$0, errno+32(FP)
	RET

child:
	// prctl(PR_SET_PDEATHSIG, SIGKILL): die with the tracer thread, even
	// before it has seized us.
	MOVQ	$1, DI
	MOVQ	$9, SI
	MOVQ	$157, AX // SYS_prctl
	SYSCALL
wait:
	// rt_sigsuspend(mask, 8): sleep with only the bell deliverable; the
	// tracer swallows it at the signal-delivery-stop, so no handler runs.
	MOVQ	R12, DI
	MOVQ	$8, SI
	MOVQ	$130, AX // SYS_rt_sigsuspend
	SYSCALL
	JMP	wait
