package ptrace

import (
	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
)

// captureBuffers is how many calls' memory can be held at once: the
// entry reads of calls in flight (execve, accept4, recvfrom…), and the
// exit read of the call at hand, which the span queue gives back as soon
// as it has kept what was read. 64 are about 700 KiB, backed by the
// kernel only once written.
const captureBuffers = 64

// entryReserve: an entry read (execve, accept4, recvfrom…) takes a
// buffer only while more than this many are free, so that threads
// blocked in accept4 cannot hold every buffer the exit stops need.
const entryReserve = captureBuffers / 4

// details reads calls' arguments for spans (--spans.decode), from the
// tracer goroutine only. It is the backend.Details the consumer is handed
// at exit stops.
type details struct {
	mode decode.Mode
	pool *decode.Pool // nil: decoding off, no memory is read
	mem  memReader
	// th is the thread at its exit stop while the consumer may ask for a
	// capture: set just before SyscallExited, cleared just after.
	th *thread
}

func newDetails(mode decode.Mode) details {
	if mode == decode.ModeNone {
		return details{}
	}
	return details{mode: mode, pool: decode.NewPool(captureBuffers)}
}

var _ backend.Details = (*details)(nil)

// captureEntry reads, at the entry stop, what only the entry shows, for
// the few calls that need it (decode.NeedsEntry): before the call runs we
// cannot know whether it will become a span.
func (t *Tracer) captureEntry(th *thread, c *backend.Call) {
	d := &t.details
	if th.entryCapture != nil { // a held call's (interrupted.go): its text is told without it
		th.entryCapture.Release()
		th.entryCapture = nil
	}
	if d.pool == nil || !decode.NeedsEntry(c) || d.pool.Free() <= entryReserve {
		return
	}
	cp := d.pool.Get()
	if cp == nil {
		return
	}
	d.mem.tid = th.TID
	cp.Entry(c, &d.mem, d.mode)
	th.entryCapture = cp
}

// detailsAt is what an exit stop of th hands the consumer as Call.Details:
// nil when decoding is off.
func (t *Tracer) detailsAt(th *thread) backend.Details {
	if t.details.pool == nil {
		return nil
	}
	t.details.th = th
	return &t.details
}

// detailsDone ends th's exit stop for the consumer: a capture it did not
// ask for is given back.
func (t *Tracer) detailsDone(th *thread) {
	t.details.th = nil
	if th.entryCapture != nil {
		th.entryCapture.Release()
		th.entryCapture = nil
	}
}

// Capture reads c's memory at its exit stop, completing the entry read if
// there was one: once per stop, and only for the call in flight.
func (d *details) Capture(c *backend.Call) backend.Captured {
	th := d.th
	if th == nil {
		return nil
	}
	d.th = nil
	cp := th.entryCapture
	th.entryCapture = nil
	if cp == nil {
		if cp = d.pool.Get(); cp == nil {
			return nil // every buffer is in use: the span shows pointers
		}
	}
	d.mem.tid = th.TID
	cp.Exit(c, &d.mem, d.mode)
	return cp
}
