package exporter

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// The span attributes OpenTelemetry has no convention for live under the
// project's own namespace.
const (
	AttrSyscallName   = attribute.Key("syscall_exporter.syscall.name")
	AttrSyscallNumber = attribute.Key("syscall_exporter.syscall.number")
	AttrReturnValue   = attribute.Key("syscall_exporter.syscall.return_value")
	AttrArgs          = attribute.Key("syscall_exporter.syscall.args")
	AttrArch          = attribute.Key("syscall_exporter.syscall.arch")
	AttrText          = attribute.Key("syscall_exporter.syscall.text")
	AttrFD            = attribute.Key("syscall_exporter.syscall.fd")
)

// spanQueue is the collector's SpanSink: a token bucket, then a bounded
// channel of records that one goroutine makes into spans, each a root span
// of its own trace.
type spanQueue struct {
	bucket      tokenBucket // only the backend's thread, in Offer
	records     chan queued
	arena       captureArena   // the queued records' compact captures
	scratch     decode.Capture // the span goroutine's, to format from
	stats       *SpanStats
	tracer      trace.Tracer
	commandArgs func(pid int32) []string
	stop, done  chan struct{}
}

func newSpanQueue(tracer trace.Tracer, size int, limit RateLimit, stats *SpanStats, commandArgs func(int32) []string) *spanQueue {
	q := &spanQueue{
		records:     make(chan queued, size),
		arena:       captureArena{buf: make([]byte, DefaultCaptureArena)},
		stats:       stats,
		tracer:      tracer,
		commandArgs: commandArgs,
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	if limit.MaxPerSecond > 0 {
		q.bucket = newTokenBucket(limit.MaxPerSecond, limit.Burst)
	}
	return q
}

var _ collector.SpanSink = (*spanQueue)(nil)

// queued is a record waiting in the span queue, with where its capture's
// compact form is in the arena (n 0: none).
type queued struct {
	rec   collector.SpanRecord
	capAt uint64
	capN  int
}

// Offer takes a token and copies the record into the queue, or counts why
// not and returns false at once: the backend's thread never waits for the
// exporter. The bucket runs on the calls' own clock.
func (q *spanQueue) Offer(r *collector.SpanRecord) bool {
	if !q.bucket.allow(max(r.Call.Exit, r.Call.Entry)) {
		q.stats.Dropped[DropRateLimited].Add(1)
		return false
	}
	e := queued{rec: *r}
	before := q.capture(&e)
	select {
	case q.records <- e:
		return true
	default:
		q.stats.Dropped[DropQueueFull].Add(1)
		if e.capN > 0 {
			q.arena.undo(before)
		}
		return false
	}
}

// capture has the call's memory read for its text, now that it will be a
// span, while the tracee is still stopped (Call.Details, set by a backend
// that reads memory), and keeps its compact form in the arena: the
// capture itself goes back to the backend at once. The record leaves the
// backend's thread without the hook.
func (q *spanQueue) capture(e *queued) (arenaBefore uint64) {
	d := e.rec.Call.Details
	e.rec.Call.Details = nil
	if d == nil {
		return 0
	}
	c := d.Capture(&e.rec.Call)
	if c == nil {
		q.stats.Undecoded.Add(1)
		return 0
	}
	defer c.Release()
	cp, ok := c.(*decode.Capture)
	if !ok {
		return 0
	}
	e.capAt, e.capN, arenaBefore = q.arena.put(cp)
	if e.capN == 0 {
		q.stats.Undecoded.Add(1)
	}
	return arenaBefore
}

func (q *spanQueue) run() {
	defer close(q.done)
	for {
		select {
		case e := <-q.records:
			q.emit(&e)
		case <-q.stop:
			for {
				select {
				case e := <-q.records:
					q.emit(&e)
				default:
					return
				}
			}
		}
	}
}

// close makes spans of what is queued and stops; nothing may be offered
// after it.
func (q *spanQueue) close(ctx context.Context) error {
	close(q.stop)
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// emit makes the span of one record with the IDs chosen on the tracer
// thread, from the entry stop to the exit stop.
func (q *spanQueue) emit(e *queued) {
	r := &e.rec
	var cp *decode.Capture // nil: pointers print as addresses
	if e.capN > 0 {
		if q.scratch.ReadCompact(q.arena.bytes(e.capAt, e.capN)) {
			cp = &q.scratch
		}
		q.arena.free(e.capAt, e.capN)
	}
	c := &r.Call
	name := syscalls.Name(c.Arch, c.Nr)
	start := backend.WallTime(c.Entry)
	end := start
	if c.Exit != 0 {
		end = backend.WallTime(c.Exit)
	}
	ctx := context.WithValue(context.Background(), presetIDsKey{}, r)
	_, span := q.tracer.Start(ctx, name,
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(start),
		trace.WithAttributes(q.attributes(r, name, cp)...),
	)
	if c.Errno != 0 {
		span.SetStatus(codes.Error, syscalls.ErrnoName(c.Errno))
	}
	span.End(trace.WithTimestamp(end))
}

func (q *spanQueue) attributes(r *collector.SpanRecord, name string, cp *decode.Capture) []attribute.KeyValue {
	c := &r.Call
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = "0x" + strconv.FormatUint(a, 16)
	}
	text, facts := decode.Decode(c, cp)
	attrs := make([]attribute.KeyValue, 0, 18)
	attrs = append(attrs, AttrSyscallName.String(name))
	if !c.ArgsUnread {
		attrs = append(attrs, AttrText.String(text), AttrArgs.StringSlice(args))
	}
	attrs = append(attrs,
		AttrSyscallNumber.Int64(int64(c.Nr)),
		AttrArch.String(c.Arch.String()),
		semconv.ThreadID(int(r.Thread.TID)),
		semconv.ThreadName(r.Thread.Name),
		semconv.ProcessPID(int(r.Thread.PID)),
		semconv.ProcessExecutableName(r.Thread.Process),
	)
	if c.Exit != 0 {
		attrs = append(attrs, AttrReturnValue.Int64(c.Ret))
	}
	if c.Errno != 0 {
		attrs = append(attrs, semconv.ErrorTypeKey.String(syscalls.ErrnoName(c.Errno)))
	}
	attrs = appendFacts(attrs, &facts)
	if q.commandArgs != nil {
		if argv := q.commandArgs(r.Thread.PID); len(argv) > 0 {
			attrs = append(attrs, semconv.ProcessCommandArgs(argv...))
		}
	}
	return attrs
}

// appendFacts adds the typed attributes of what the call names: semantic
// conventions where they have one.
func appendFacts(attrs []attribute.KeyValue, f *decode.Attrs) []attribute.KeyValue {
	if f.Path != "" {
		attrs = append(attrs, semconv.FilePath(f.Path))
	}
	if f.HasFD {
		attrs = append(attrs, AttrFD.Int(f.FD))
	}
	if f.PeerAddress != "" {
		attrs = append(attrs, semconv.NetworkPeerAddress(f.PeerAddress))
		if f.PeerPort != 0 {
			attrs = append(attrs, semconv.NetworkPeerPort(f.PeerPort))
		}
	}
	if f.NetworkType != "" {
		attrs = append(attrs, semconv.NetworkTypeKey.String(f.NetworkType))
	}
	if f.Transport != "" {
		attrs = append(attrs, semconv.NetworkTransportKey.String(f.Transport))
	}
	return attrs
}

// presetIDs hands the SDK the IDs the tracer thread chose for a record, so
// that the span carries the IDs of the exemplars already scraped.
type presetIDs struct{}

type presetIDsKey struct{}

// NewIDs returns the record's IDs, for the record's span.
func (presetIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if r, ok := ctx.Value(presetIDsKey{}).(*collector.SpanRecord); ok {
		return r.TraceID, r.SpanID
	}
	var t trace.TraceID
	for !t.IsValid() {
		binary.BigEndian.PutUint64(t[:8], rand.Uint64())
		binary.BigEndian.PutUint64(t[8:], rand.Uint64())
	}
	return t, randomSpanID()
}

// NewSpanID serves child spans, which this exporter does not make.
func (presetIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return randomSpanID() }

func randomSpanID() trace.SpanID {
	var s trace.SpanID
	for !s.IsValid() {
		binary.BigEndian.PutUint64(s[:], rand.Uint64())
	}
	return s
}
