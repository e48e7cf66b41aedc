package ptrace

import (
	"slices"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// rawCall is a recorded call: a backend.Call without its pointers, so
// that recording one is a copy into memory the thread already has.
type rawCall struct {
	arch        syscalls.Arch
	nr          uint32
	errno       uint16
	args        [6]uint64
	ret         int64
	entry, exit int64
}

// callRing is a thread's flight recorder (--flight-recorder): its last
// len(calls) completed calls, allocated once when the thread is first
// seen, overwritten oldest first.
type callRing struct {
	calls []rawCall
	next  int // where the next call goes
	held  int // how many it holds, up to len(calls)
}

// add records c; without a ring it does nothing.
func (r *callRing) add(c *backend.Call) {
	if len(r.calls) == 0 {
		return
	}
	r.calls[r.next] = rawCall{arch: c.Arch, nr: c.Nr, errno: c.Errno, args: c.Args, ret: c.Ret, entry: c.Entry, exit: c.Exit}
	if r.next++; r.next == len(r.calls) {
		r.next = 0
	}
	r.held = min(r.held+1, len(r.calls))
}

// recent copies the recorded calls out, oldest first.
func (r *callRing) recent() []backend.Call {
	out := make([]backend.Call, 0, r.held)
	for i := range r.held {
		rc := &r.calls[(r.next-r.held+i+len(r.calls))%len(r.calls)]
		out = append(out, backend.Call{Arch: rc.arch, Nr: rc.nr, Errno: rc.errno, Args: rc.args, Ret: rc.ret, Entry: rc.entry, Exit: rc.exit})
	}
	return out
}

// startRecording gives a new thread its ring, if the recorder is on.
func (t *Tracer) startRecording(th *thread) {
	if n := t.cfg.FlightRecorder; n > 0 {
		th.ring.calls = make([]rawCall, n)
	}
}

// recentOf is th's recorded calls, with its names now.
func recentOf(th *thread) backend.RecentCalls {
	return backend.RecentCalls{Thread: th.Thread, Calls: th.ring.recent()}
}

// recentCalls copies every thread's ring, on the tracer goroutine (between
// stops: nothing is stopped for it), by process and thread.
func (t *Tracer) recentCalls() []backend.RecentCalls {
	out := make([]backend.RecentCalls, 0, len(t.tab.byTID))
	for _, th := range t.tab.byTID {
		out = append(out, recentOf(th))
	}
	slices.SortFunc(out, func(a, b backend.RecentCalls) int {
		if a.Thread.PID != b.Thread.PID {
			return int(a.Thread.PID - b.Thread.PID)
		}
		return int(a.Thread.TID - b.Thread.TID)
	})
	return out
}

// RecentCalls copies every live thread's last calls (--flight-recorder),
// asking the tracer goroutine between two stops; nil when it is off.
func (t *Tracer) RecentCalls() []backend.RecentCalls {
	if t.cfg.FlightRecorder <= 0 {
		return nil
	}
	var out []backend.RecentCalls
	if err := t.submit(&request{kind: reqRecentCalls, recent: &out}); err != nil {
		return nil
	}
	return out
}

var _ backend.FlightRecorder = (*Tracer)(nil)
