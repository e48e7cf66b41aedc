package collector

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// SpanRecord is a call chosen to become a span. The backend's thread fills
// it and a SpanSink copies it; the span is made later, elsewhere, with
// exactly these IDs, which the call's metric observations already carry as
// exemplars.
type SpanRecord struct {
	TraceID [16]byte
	SpanID  [8]byte
	// Call is the call; its Thread is nil, as the record leaves the
	// backend's thread: Thread holds a copy of the names.
	Call   backend.Call
	Thread backend.Thread
}

// SpanSink takes records on the backend's thread. Offer must not block,
// allocate or do I/O: it copies the record into a bounded queue, or says
// false when it does not take it (rate-limited, or the queue is full).
// The sink counts the fate of every record it is offered.
type SpanSink interface {
	Offer(r *SpanRecord) bool
}

// SpanPolicy chooses which calls become spans. A failed call whose errno is
// not ignored always qualifies, and so does a call slower than
// SlowThreshold; any other call (including failures with an ignored errno)
// with probability SampleRatio.
type SpanPolicy struct {
	IgnoreErrno   []uint16      // errnos that are normal flow (EAGAIN…)
	SlowThreshold time.Duration // 0: no call counts as slow
	SampleRatio   float64       // 0..1
}

// Validate reports the first setting out of range.
func (p SpanPolicy) Validate() error {
	switch {
	case math.IsNaN(p.SampleRatio) || p.SampleRatio < 0 || p.SampleRatio > 1:
		return fmt.Errorf("sample ratio %v: want a number from 0 to 1", p.SampleRatio)
	case p.SlowThreshold < 0:
		return fmt.Errorf("slow threshold %v: must not be negative (0: none by duration)", p.SlowThreshold)
	}
	for _, e := range p.IgnoreErrno {
		if e == 0 || e > maxErrno {
			return fmt.Errorf("errno %d: want 1..%d", e, maxErrno)
		}
	}
	return nil
}

// spanner holds the sampling state; only the backend's thread touches it.
type spanner struct {
	sink        SpanSink
	ignore      errnoSet
	slowNs      int64  // calls longer than this qualify; MaxInt64 when off
	sampleBelow uint64 // a random uint64 below this qualifies; 0 when off
	sampleAll   bool
	rec         SpanRecord // reused: Offer copies it
}

// SetSpanSink makes the calls that p selects into records for sink, and
// stores the IDs of those it takes as exemplars. Call it before tracing
// starts.
func (c *Collector) SetSpanSink(sink SpanSink, p SpanPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if sink == nil {
		return errors.New("span sink is required")
	}
	sp := &spanner{sink: sink, slowNs: math.MaxInt64}
	for _, e := range p.IgnoreErrno {
		sp.ignore.add(e)
	}
	if p.SlowThreshold > 0 {
		sp.slowNs = int64(p.SlowThreshold)
	}
	switch {
	case p.SampleRatio >= 1:
		sp.sampleAll = true
	case p.SampleRatio > 0:
		sp.sampleBelow = uint64(p.SampleRatio * (1 << 64))
	}
	c.spans = sp
	return nil
}

// qualifies is the test every call takes: a few integer compares, and a
// random number only when a sample ratio is set.
func (sp *spanner) qualifies(s *backend.Call) bool {
	if s.Errno != 0 && !sp.ignore.has(s.Errno) {
		return true
	}
	if s.Exit != 0 && s.Exit-s.Entry > sp.slowNs {
		return true
	}
	return sp.sampleAll || (sp.sampleBelow != 0 && rand.Uint64() < sp.sampleBelow)
}

// consider runs on the backend's thread after the call was counted.
func (sp *spanner) consider(s *backend.Call, st *syscallStats) {
	if sp.qualifies(s) {
		sp.offer(s, st)
	}
}

// offer hands a selected call to the sink, and keeps its exemplar if taken.
func (sp *spanner) offer(s *backend.Call, st *syscallStats) {
	r := &sp.rec
	r.TraceID, r.SpanID = newSpanIDs()
	r.Call = *s
	r.Call.Thread = nil
	r.Thread = *s.Thread
	if !sp.sink.Offer(r) {
		return
	}
	st.recordExemplar(r)
}

// newSpanIDs draws random, valid (non-zero) W3C trace and span IDs from the
// runtime's per-thread generator: no lock, no allocation.
func newSpanIDs() (trace [16]byte, span [8]byte) {
	for trace == [16]byte{} {
		binary.BigEndian.PutUint64(trace[:8], rand.Uint64())
		binary.BigEndian.PutUint64(trace[8:], rand.Uint64())
	}
	for span == [8]byte{} {
		binary.BigEndian.PutUint64(span[:], rand.Uint64())
	}
	return trace, span
}

// errnoSet is a bitmap over errno 0..maxErrno.
type errnoSet [(maxErrno + 64) / 64]uint64

func (s *errnoSet) add(e uint16) { s[e/64] |= 1 << (e % 64) }

func (s *errnoSet) has(e uint16) bool {
	return e <= maxErrno && s[e/64]&(1<<(e%64)) != 0
}
