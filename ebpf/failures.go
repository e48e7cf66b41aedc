package ebpf

import (
	"time"
	"unsafe"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// maxFailures bounds the failed calls offered as span candidates per read.
const maxFailures = 4096

// failureReader keeps what offering failed calls needs, so that a round
// does not allocate.
type failureReader struct {
	rec  ringbuf.Record
	call backend.Call
	// early are failures of label ids whose events were still to come
	// when they were read: offered at the next round.
	early, later []tracerFailure
	// ignore are the errnos whose failures are offered only if slow or
	// sampled too (SelectSpans).
	ignore [maxIgnoredErrno/64 + 1]uint64
	// clockOffset turns the kernel's CLOCK_MONOTONIC into backend.Now's
	// clock.
	clockOffset int64
}

func monotonicNs() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

func (r *failureReader) init() {
	r.clockOffset = monotonicNs() - backend.Now()
}

// takeFailures offers the consumer the calls the programs selected as
// spans (failed, slow or sampled), already counted by Add.
func (t *Tracer) takeFailures() {
	r := &t.fail
	r.later = r.later[:0]
	for i := range r.early {
		t.offerFailure(&r.early[i])
	}
	t.failures.SetDeadline(time.Now())
	for i := 0; i < maxFailures; i++ {
		if err := t.failures.ReadInto(&r.rec); err != nil {
			break
		}
		if len(r.rec.RawSample) >= int(unsafe.Sizeof(tracerFailure{})) {
			t.offerFailure((*tracerFailure)(unsafe.Pointer(&r.rec.RawSample[0])))
		}
	}
	r.early, r.later = r.later, r.early
}

// offerFailure hands f to the consumer, or keeps it for the next round if
// its label id is still to be announced.
func (t *Tracer) offerFailure(f *tracerFailure) {
	r := &t.fail
	if f.Why == spanFailed && r.ignored(f.Errno) {
		return
	}
	l := t.tab.byLid[f.Lid]
	if l == nil {
		if f.Lid > t.tab.maxLid && f.Lid < userLidBase && len(r.later) < maxFailures {
			r.later = append(r.later, *f)
		}
		return
	}
	c := &r.call
	c.Thread = &l.name
	if l.th != nil {
		c.Thread = &l.th.Thread
	}
	c.Arch, c.Nr, c.Slot = archOf(f.Arch), f.Nr, l.slot
	c.Ret, c.Errno = f.Ret, uint16(f.Errno)
	c.ArgsUnread = true
	c.Entry, c.Exit = int64(f.EntryNs)-r.clockOffset, int64(f.ExitNs)-r.clockOffset
	t.cfg.Consumer.SpanCandidate(c)
}
