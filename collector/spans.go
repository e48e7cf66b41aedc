package collector

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/syscall-exporter/syscall_exporter/ptrace"
)

// SpanRecord is a call chosen to become a span. The tracer thread fills it
// and a SpanSink copies it; the span is made later, elsewhere, with exactly
// these IDs, which the call's metric observations already carry as
// exemplars.
type SpanRecord struct {
	TraceID [16]byte
	SpanID  [8]byte
	Call    ptrace.Syscall
	// Process and Thread are the label values of the call's series: the
	// comm of the thread-group leader, and the thread's name when the
	// thread label holds names ("" otherwise).
	Process, Thread string
}

// SpanSink takes records on the tracer thread. Offer must not block,
// allocate or do I/O: it copies the record into a bounded queue, or returns
// false when the queue is full.
type SpanSink interface {
	Offer(r *SpanRecord) bool
}

// SpanPolicy chooses which calls become spans. A failed call whose errno is
// not ignored always qualifies, and so does a call slower than
// SlowThreshold; any other call (including failures with an ignored errno)
// with probability SampleRatio. What qualifies then passes a token bucket
// shared by all calls.
type SpanPolicy struct {
	IgnoreErrno   []uint16      // errnos that are normal flow (EAGAIN…)
	SlowThreshold time.Duration // 0: no call counts as slow
	SampleRatio   float64       // 0..1
	MaxPerSecond  float64       // 0: no limit
	Burst         int           // tokens the bucket holds; at least 1 with a limit
}

// Validate reports the first setting out of range.
func (p SpanPolicy) Validate() error {
	switch {
	case math.IsNaN(p.SampleRatio) || p.SampleRatio < 0 || p.SampleRatio > 1:
		return fmt.Errorf("sample ratio %v: want a number from 0 to 1", p.SampleRatio)
	case p.SlowThreshold < 0:
		return fmt.Errorf("slow threshold %v: must not be negative", p.SlowThreshold)
	case math.IsNaN(p.MaxPerSecond) || p.MaxPerSecond < 0:
		return fmt.Errorf("max spans per second %v: must not be negative (0: no limit)", p.MaxPerSecond)
	case p.MaxPerSecond > 0 && p.Burst < 1:
		return fmt.Errorf("burst %d: must be at least 1 with a rate limit", p.Burst)
	}
	for _, e := range p.IgnoreErrno {
		if e == 0 || e > maxErrno {
			return fmt.Errorf("errno %d: want 1..%d", e, maxErrno)
		}
	}
	return nil
}

// DropReason says why a call that qualified for a span has none.
type DropReason int

const (
	DropRateLimited  DropReason = iota // the token bucket was empty
	DropQueueFull                      // the sink's queue was full
	DropExportFailed                   // the receiver did not take it
	numDropReasons
)

var dropReasonNames = [numDropReasons]string{"rate_limited", "queue_full", "export_failed"}

func (r DropReason) String() string { return dropReasonNames[r] }

// DropReasons lists every reason, for exposing zeros.
func DropReasons() []DropReason {
	return []DropReason{DropRateLimited, DropQueueFull, DropExportFailed}
}

// SpanStats counts the fate of every call that qualified for a span:
// exported plus the sum of Dropped equals the qualified calls once the
// queues are empty. The collector counts the first two drop reasons, the
// sink's exporter the rest.
type SpanStats struct {
	Exported atomic.Uint64
	Dropped  [numDropReasons]atomic.Uint64
}

// spanner holds the sampling state; only the tracer thread touches it.
type spanner struct {
	sink        SpanSink
	stats       *SpanStats
	ignore      errnoSet
	slowNs      int64  // calls longer than this qualify; MaxInt64 when off
	sampleBelow uint64 // a random uint64 below this qualifies; 0 when off
	sampleAll   bool
	bucket      tokenBucket
	rec         SpanRecord // reused: Offer copies it
}

// SetSpanSink makes the calls that p selects into records for sink, and
// stores their IDs as exemplars. Call it before tracing starts.
func (c *Collector) SetSpanSink(sink SpanSink, p SpanPolicy, stats *SpanStats) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if sink == nil || stats == nil {
		return errors.New("span sink and stats are required")
	}
	sp := &spanner{sink: sink, stats: stats, slowNs: math.MaxInt64}
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
	if p.MaxPerSecond > 0 {
		sp.bucket = newTokenBucket(p.MaxPerSecond, p.Burst)
	}
	c.spans = sp
	return nil
}

// qualifies is the test every call takes: a few integer compares, and a
// random number only when a sample ratio is set.
func (sp *spanner) qualifies(s *ptrace.Syscall) bool {
	if s.Errno != 0 && !sp.ignore.has(s.Errno) {
		return true
	}
	if s.Exit != 0 && s.Exit-s.Entry > sp.slowNs {
		return true
	}
	return sp.sampleAll || (sp.sampleBelow != 0 && rand.Uint64() < sp.sampleBelow)
}

// consider runs on the tracer thread after the call was counted.
func (sp *spanner) consider(c *Collector, s *ptrace.Syscall, st *syscallStats) {
	if !sp.qualifies(s) {
		return
	}
	now := s.Exit
	if now == 0 {
		now = s.Entry
	}
	if !sp.bucket.allow(now) {
		sp.stats.Dropped[DropRateLimited].Add(1)
		return
	}
	r := &sp.rec
	r.TraceID, r.SpanID = newSpanIDs()
	r.Call = *s
	values := c.sets[s.Slot].values
	r.Process, r.Thread = values[0], ""
	if c.cfg.ThreadLabel == ThreadByName {
		r.Thread = values[1]
	}
	if !sp.sink.Offer(r) {
		sp.stats.Dropped[DropQueueFull].Add(1)
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

// tokenBucket is a generic cell rate algorithm on the calls' own monotonic
// timestamps, so it reads no clock: it admits one call per interval on
// average and up to burst at once. interval 0 admits everything.
type tokenBucket struct {
	interval  int64 // ns per token
	tolerance int64 // how far ahead of now the next due time may run
	due       int64 // when the bucket will be as full as it was at start
}

func newTokenBucket(perSecond float64, burst int) tokenBucket {
	interval := int64(1e9 / perSecond)
	if interval <= 0 {
		return tokenBucket{}
	}
	return tokenBucket{interval: interval, tolerance: int64(burst-1) * interval}
}

// allow takes a token at monotonic time now (ns) if there is one. Over any
// span of d ns it admits at most burst + d/interval calls.
func (b *tokenBucket) allow(now int64) bool {
	if b.interval == 0 {
		return true
	}
	due := b.due
	if due < now {
		due = now
	}
	if due-now > b.tolerance {
		return false
	}
	b.due = due + b.interval
	return true
}
