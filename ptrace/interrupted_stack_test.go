package ptrace

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// outcomes keeps, in order, how each handed-over call ended.
type outcomes struct {
	ended []backend.Call
	keep  bool
}

func (o *outcomes) ThreadStarted(*backend.Thread) backend.Slot                   { return 0 }
func (o *outcomes) ThreadRenamed(_ *backend.Thread, s backend.Slot) backend.Slot { return s }
func (o *outcomes) ThreadExited(*backend.Thread, backend.Slot)                   {}
func (o *outcomes) SyscallEntered(*backend.Call)                                 {}
func (o *outcomes) Add(backend.Slot, syscalls.Arch, uint32, *backend.Delta)      {}
func (o *outcomes) SpanCandidate(*backend.Call)                                  {}
func (o *outcomes) SyscallExited(c *backend.Call) {
	if o.keep {
		o.ended = append(o.ended, *c)
	}
}

const (
	erestartsys  = 512
	erestartnohd = 514
)

// interruptedCall is call nr, interrupted with restart code errno.
func interruptedCall(nr uint32, errno uint16) *backend.Call {
	return &backend.Call{Nr: nr, Ret: -int64(errno), Errno: errno, Entry: 1, Exit: 2}
}

// The rules of interrupted.go, event by event. Each case holds calls
// with nr 1, 2, … at the given stack pointers, then runs the events;
// the calls must end in the order and with the errno given.
func TestInterruptedCallRules(t *testing.T) {
	type event struct {
		sigreturn bool // else an entry
		sp        uint64
		rval      int64
	}
	type ended struct {
		nr    uint32
		errno uint16
	}
	eintr := -int64(unix.EINTR)
	for _, c := range []struct {
		name     string
		held     []uint64
		events   []event
		want     []ended
		overflow uint64
	}{
		{"restarted: re-entered at its stack pointer", []uint64{1000}, []event{{false, 1000, 0}}, []ended{{1, erestartnohd}}, 0},
		{"a handler's call below it does not decide", []uint64{1000}, []event{{false, 900, 0}}, nil, 0},
		{"a handler returned, EINTR", []uint64{1000}, []event{{true, 1000, eintr}}, []ended{{1, uint16(unix.EINTR)}}, 0},
		{"a handler returned, SA_RESTART", []uint64{1000}, []event{{true, 1000, 0}}, []ended{{1, erestartnohd}}, 0},
		{"another frame's sigreturn", []uint64{1000}, []event{{true, 1200, eintr}}, nil, 0},
		{"nested", []uint64{1000, 900}, []event{{true, 900, eintr}, {true, 1000, eintr}},
			[]ended{{2, uint16(unix.EINTR)}, {1, uint16(unix.EINTR)}}, 0},
		{"an inner handler left by siglongjmp", []uint64{1000, 900}, []event{{true, 1000, eintr}},
			[]ended{{2, erestartnohd}, {1, uint16(unix.EINTR)}}, 0},
		{"too many held: the oldest ends unfailed", []uint64{1000, 900, 800, 700, 600}, nil, []ended{{1, erestartnohd}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := &outcomes{keep: true}
			tr := New(Config{Consumer: o})
			th := &thread{}
			for i, sp := range c.held {
				tr.hold(th, interruptedCall(uint32(i+1), erestartnohd), sp)
			}
			for _, e := range c.events {
				if e.sigreturn {
					tr.sigreturned(th, e.sp, e.rval)
				} else {
					tr.reentered(th, e.sp)
				}
			}
			var got []ended
			for _, call := range o.ended {
				got = append(got, ended{call.Nr, call.Errno})
				if call.Exit != 2 {
					t.Errorf("call %d: exit %d, want the interrupting exit's time", call.Nr, call.Exit)
				}
				if call.Errno == uint16(unix.EINTR) && call.Ret != eintr {
					t.Errorf("call %d: EINTR with return %d", call.Nr, call.Ret)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("ended %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("ended %v, want %v", got, c.want)
				}
			}
			if n := tr.stats.InterruptedOverflow.Load(); n != c.overflow {
				t.Errorf("overflow %d, want %d", n, c.overflow)
			}
			// Whatever is left ends when the thread goes, unfailed.
			left := th.interrupted.n
			o.ended = o.ended[:0]
			tr.releaseInterrupted(th)
			if len(o.ended) != left || th.interrupted.n != 0 {
				t.Errorf("release ended %d of %d held, %d left", len(o.ended), left, th.interrupted.n)
			}
			for _, call := range o.ended {
				if !syscalls.IsRestart(call.Errno) {
					t.Errorf("released call %d ended with errno %d", call.Nr, call.Errno)
				}
			}
		})
	}
}

// A renamed thread's held calls move to its new slot: the old one is
// released.
func TestInterruptedCallsMoveWithARename(t *testing.T) {
	tr := New(Config{Consumer: &outcomes{}})
	th := &thread{slot: 3}
	c := interruptedCall(1, erestartsys)
	c.Slot = th.slot
	tr.hold(th, c, 1000)
	th.slot = 7
	th.moveInterrupted()
	if got := th.interrupted.calls[0].call.Slot; got != 7 {
		t.Errorf("held call in slot %d, want 7", got)
	}
}

// Holding and resolving interrupted calls does not allocate: it runs on
// the stop path.
func TestInterruptedCallsDoNotAllocate(t *testing.T) {
	tr := New(Config{Consumer: &outcomes{}})
	th := &thread{}
	c := interruptedCall(1, erestartnohd)
	allocs := testing.AllocsPerRun(1000, func() {
		tr.hold(th, c, 1000)
		tr.hold(th, c, 900)
		tr.sigreturned(th, 900, -int64(unix.EINTR))
		tr.reentered(th, 1000)
		for range interruptedDepth + 1 {
			tr.hold(th, c, 800)
		}
		tr.releaseInterrupted(th)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
