package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// A call a signal interrupts exits with a restart code (ERESTARTSYS and
// kin, 512..516). What the program sees is decided after that exit stop:
// if no handler runs, the kernel restarts the call (it is re-entered, or
// restart_syscall is); if a handler runs, the call may instead return
// EINTR, which only rt_sigreturn's exit shows, as the register value it
// restores. So the tracer holds such a call until the thread tells:
//
//   - an entry at the call's stack pointer: it was restarted, or the
//     program has moved on from it (siglongjmp): no error, as before;
//   - rt_sigreturn (sigreturn on i386) exiting with the call's stack
//     pointer, which sigreturn restores: if it returns -EINTR, the call
//     returned EINTR to the program, and is counted as that failure, with
//     its latency to the interrupting exit; otherwise it was restarted.
//
// A handler's own calls run below the interrupted frame (or on the
// sigaltstack), never at its stack pointer, so they do not match it; a
// nested interrupted call sits above on the stack. A match below the top
// means the calls above were abandoned (a handler left by siglongjmp):
// no error. Whatever is still held when the tracer loses sight of the
// thread (its exit, a detach, an exec, an untraced phase) or when more
// than interruptedDepth are held, is resolved as no error too: the
// outcome strace shows for a call it never sees end.

// interruptedDepth is how many interrupted calls a thread holds: one per
// nested signal handler that interrupted a call.
const interruptedDepth = 4

// heldCall is an interrupted call whose outcome is not known yet.
type heldCall struct {
	call backend.Call // as at its exit: Ret and Errno the restart code
	sp   uint64       // the stack pointer at its exit
}

// interruptedCalls are a thread's held calls, the most recent last.
type interruptedCalls struct {
	n     int
	calls [interruptedDepth]heldCall
}

// hold keeps c, which exited with a restart code at stack pointer sp,
// until the thread tells what the program saw of it. A full stack lets
// its oldest call go, as not failed.
func (t *Tracer) hold(th *thread, c *backend.Call, sp uint64) {
	held := &th.interrupted
	if held.n == interruptedDepth {
		t.stats.InterruptedOverflow.Add(1)
		t.cfg.Consumer.SyscallExited(&held.calls[0].call)
		copy(held.calls[:], held.calls[1:])
		held.n--
	}
	held.calls[held.n] = heldCall{call: *c, sp: sp}
	held.n++
}

// find is the index of the held call at stack pointer sp, or -1.
func (h *interruptedCalls) find(sp uint64) int {
	for i := h.n - 1; i >= 0; i-- {
		if h.calls[i].sp == sp {
			return i
		}
	}
	return -1
}

// reentered runs at every syscall entry of a thread that holds a call: a
// call entered at a held call's stack pointer means that one was
// restarted (the same call, or restart_syscall) or left behind.
func (t *Tracer) reentered(th *thread, sp uint64) {
	if i := th.interrupted.find(sp); i >= 0 {
		t.releaseHeld(th, i)
	}
}

// sigreturned runs at the exit of rt_sigreturn, which returned rval at
// stack pointer sp: the interrupted frame's, restored.
func (t *Tracer) sigreturned(th *thread, sp uint64, rval int64) {
	held := &th.interrupted
	i := held.find(sp)
	if i < 0 {
		return
	}
	if rval == -int64(unix.EINTR) {
		c := &held.calls[i].call
		c.Ret, c.Errno = rval, uint16(unix.EINTR)
	}
	t.releaseHeld(th, i)
}

// releaseHeld hands over the held calls from index i up, and forgets them.
func (t *Tracer) releaseHeld(th *thread, i int) {
	held := &th.interrupted
	for j := held.n - 1; j >= i; j-- {
		t.cfg.Consumer.SyscallExited(&held.calls[j].call)
	}
	held.n = i
}

// releaseInterrupted hands over every call th holds, as not failed: the
// tracer will not see how they ended.
func (t *Tracer) releaseInterrupted(th *thread) {
	if th.interrupted.n != 0 {
		t.releaseHeld(th, 0)
	}
}

// moveInterrupted gives th's held calls its new slot: the old one is
// released on a rename, and the program sees their result under its new
// names.
func (th *thread) moveInterrupted() {
	for i := 0; i < th.interrupted.n; i++ {
		th.interrupted.calls[i].call.Slot = th.slot
	}
}
