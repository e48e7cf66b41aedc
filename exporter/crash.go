package exporter

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// AttrSignal is the signal that killed a crashed process, on its span.
const AttrSignal = attribute.Key("syscall_exporter.crash.signal")

// crashQueueSize bounds the crashes waiting to be logged: a crash is
// rare, and a storm of them needs no more than their count to be seen.
const crashQueueSize = 64

// CrashReport logs every crash, one record per thread of the process with
// its last calls as strace prints them, and with spans on makes a span of
// it with an event per call. It is a collector.CrashSink: the backend's
// thread hands a crash over and goes on.
type CrashReport struct {
	logger  *slog.Logger
	tracer  trace.Tracer // nil: spans are off
	crashes chan *backend.Crash
	dropped atomic.Uint64 // crashes not logged: the queue was full
	done    chan struct{}
}

var _ collector.CrashSink = (*CrashReport)(nil)

// NewCrashReport starts the goroutine that reports crashes; spans may be
// nil. Close it once the backend has stopped.
func NewCrashReport(logger *slog.Logger, spans *Spans) *CrashReport {
	var tracer trace.Tracer
	if spans != nil {
		tracer = spans.queue.tracer
	}
	return newCrashReport(logger, tracer)
}

func newCrashReport(logger *slog.Logger, tracer trace.Tracer) *CrashReport {
	r := &CrashReport{logger: logger, tracer: tracer, crashes: make(chan *backend.Crash, crashQueueSize), done: make(chan struct{})}
	go r.run()
	return r
}

// OfferCrash queues c for the report, or counts it when the queue is full.
func (r *CrashReport) OfferCrash(c *backend.Crash) {
	select {
	case r.crashes <- c:
	default:
		r.dropped.Add(1)
	}
}

// Close reports what is queued and stops; nothing may be offered after.
func (r *CrashReport) Close() {
	close(r.crashes)
	<-r.done
}

func (r *CrashReport) run() {
	defer close(r.done)
	for c := range r.crashes {
		sig := decode.SignalName(int(c.Signal))
		for _, th := range c.Threads {
			LogRecentCalls(r.logger, slog.LevelWarn, "traced process crashed", th,
				"signal", sig, "pid", c.PID, "process", c.Process, "signaled", th.Thread.TID == c.TID,
				"crashes_not_logged", r.dropped.Load())
		}
		if len(c.Threads) == 0 {
			r.logger.Warn("traced process crashed", "signal", sig, "pid", c.PID, "process", c.Process, "tid", c.TID)
		}
		if r.tracer != nil {
			r.span(c, sig)
		}
	}
}

// span makes the crash's span: from the first recorded call to the death,
// status Error with the signal, an event per recorded call.
func (r *CrashReport) span(c *backend.Crash, sig string) {
	start := c.Time
	for _, th := range c.Threads {
		for i := range th.Calls {
			start = min(start, th.Calls[i].Entry)
		}
	}
	_, span := r.tracer.Start(context.Background(), "crash",
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(backend.WallTime(start)),
		trace.WithAttributes(
			AttrSignal.String(sig),
			semconv.ProcessPID(int(c.PID)),
			semconv.ProcessExecutableName(c.Process),
			semconv.ThreadID(int(c.TID)),
		),
	)
	for _, th := range c.Threads {
		for i := range th.Calls {
			call := &th.Calls[i]
			span.AddEvent(syscalls.Name(call.Arch, call.Nr), trace.WithTimestamp(backend.WallTime(call.Entry)), trace.WithAttributes(
				semconv.ThreadID(int(th.Thread.TID)),
				semconv.ThreadName(th.Thread.Name),
				AttrText.String(decode.Format(call, nil)),
			))
		}
	}
	span.SetStatus(codes.Error, sig)
	span.End(trace.WithTimestamp(backend.WallTime(c.Time)))
}

// LogRecentCalls logs one thread's recorded calls in one record, oldest
// first, each as strace prints it from its registers alone: numbers,
// flags and names decoded, pointers as addresses (the memory they pointed
// to is gone, or has changed since).
func LogRecentCalls(logger *slog.Logger, level slog.Level, msg string, rc backend.RecentCalls, attrs ...any) {
	lines := make([]string, len(rc.Calls))
	for i := range rc.Calls {
		lines[i] = decode.Format(&rc.Calls[i], nil)
	}
	attrs = append(attrs, "tid", rc.Thread.TID, "thread", rc.Thread.Name, "calls", strings.Join(lines, "\n"))
	logger.Log(context.Background(), level, msg, attrs...)
}
