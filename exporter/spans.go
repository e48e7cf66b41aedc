package exporter

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/ptrace/syscalls"
)

// The span attributes OpenTelemetry has no convention for live under the
// project's own namespace.
const (
	AttrSyscallName   = attribute.Key("syscall_exporter.syscall.name")
	AttrSyscallNumber = attribute.Key("syscall_exporter.syscall.number")
	AttrReturnValue   = attribute.Key("syscall_exporter.syscall.return_value")
	AttrArgs          = attribute.Key("syscall_exporter.syscall.args")
	AttrArch          = attribute.Key("syscall_exporter.syscall.arch")
)

// spanQueue is the collector's SpanSink: a bounded channel of records that
// one goroutine makes into spans, each a root span of its own trace.
type spanQueue struct {
	records     chan collector.SpanRecord
	tracer      trace.Tracer
	commandArgs bool
	stop, done  chan struct{}
}

func newSpanQueue(tracer trace.Tracer, size int, commandArgs bool) *spanQueue {
	return &spanQueue{
		records:     make(chan collector.SpanRecord, size),
		tracer:      tracer,
		commandArgs: commandArgs,
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
}

// Offer copies the record into the queue, or returns false at once when
// the queue is full: the tracer thread never waits for the exporter.
func (q *spanQueue) Offer(r *collector.SpanRecord) bool {
	select {
	case q.records <- *r:
		return true
	default:
		return false
	}
}

func (q *spanQueue) run() {
	defer close(q.done)
	for {
		select {
		case r := <-q.records:
			q.emit(&r)
		case <-q.stop:
			for {
				select {
				case r := <-q.records:
					q.emit(&r)
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
func (q *spanQueue) emit(r *collector.SpanRecord) {
	c := &r.Call
	name := syscalls.Name(c.Arch, c.Nr)
	start := ptrace.WallTime(c.Entry)
	end := start
	if c.Exit != 0 {
		end = ptrace.WallTime(c.Exit)
	}
	ctx := context.WithValue(context.Background(), presetIDsKey{}, r)
	_, span := q.tracer.Start(ctx, name,
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(start),
		trace.WithAttributes(q.attributes(r, name)...),
	)
	if c.Errno != 0 {
		span.SetStatus(codes.Error, syscalls.ErrnoName(c.Errno))
	}
	span.End(trace.WithTimestamp(end))
}

func (q *spanQueue) attributes(r *collector.SpanRecord, name string) []attribute.KeyValue {
	c := &r.Call
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = "0x" + strconv.FormatUint(a, 16)
	}
	attrs := make([]attribute.KeyValue, 0, 12)
	attrs = append(attrs,
		AttrSyscallName.String(name),
		AttrSyscallNumber.Int64(int64(c.Nr)),
		AttrArgs.StringSlice(args),
		AttrArch.String(archName(c.Arch)),
		semconv.ThreadID(int(c.TID)),
		semconv.ProcessPID(int(c.PID)),
		semconv.ProcessExecutableName(r.Process),
	)
	if c.Exit != 0 {
		attrs = append(attrs, AttrReturnValue.Int64(c.Ret))
	}
	if c.Errno != 0 {
		attrs = append(attrs, semconv.ErrorTypeKey.String(syscalls.ErrnoName(c.Errno)))
	}
	thread := r.Thread
	if thread == "" {
		// The thread label does not hold names: read it now, if the
		// thread is still there.
		thread = readComm("/proc/" + strconv.Itoa(int(c.PID)) + "/task/" + strconv.Itoa(int(c.TID)) + "/comm")
	}
	if thread != "" {
		attrs = append(attrs, semconv.ThreadName(thread))
	}
	if q.commandArgs {
		if argv := readCmdline(c.PID); len(argv) > 0 {
			attrs = append(attrs, semconv.ProcessCommandArgs(argv...))
		}
	}
	return attrs
}

func archName(arch uint32) string {
	switch arch {
	case unix.AUDIT_ARCH_X86_64:
		return "x86_64"
	case unix.AUDIT_ARCH_AARCH64:
		return "aarch64"
	case unix.AUDIT_ARCH_I386:
		return "i386"
	}
	return "0x" + strconv.FormatUint(uint64(arch), 16)
}

func readComm(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(bytes.TrimSuffix(b, []byte("\n")))
}

// readCmdline returns the process's argv as the kernel shows it when the
// span is made, or nil if the process is gone.
func readCmdline(pid int32) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	var argv []string
	for arg := range bytes.SplitSeq(bytes.TrimSuffix(b, []byte{0}), []byte{0}) {
		argv = append(argv, string(arg))
	}
	return argv
}

// presetIDs hands the SDK the IDs the tracer thread chose for a record, so
// that the span carries the IDs of the exemplars already scraped.
type presetIDs struct{}

type presetIDsKey struct{}

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
