package exporter

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

func inMemoryQueue(t *testing.T, size int, commandArgs func(int32) []string) (*spanQueue, *tracetest.InMemoryExporter) {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithIDGenerator(presetIDs{}),
		sdktrace.WithSyncer(mem),
	)
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	return newSpanQueue(tp.Tracer("test"), size, RateLimit{}, new(SpanStats), commandArgs), mem
}

func TestSpanHasTheRecordsIDsTimesAndAttributes(t *testing.T) {
	argv := []string{"workload", "-x"}
	q, mem := inMemoryQueue(t, 4, func(int32) []string { return argv })
	pid := int32(os.Getpid())
	failed := collector.SpanRecord{
		TraceID: [16]byte{0x4b, 0xf9, 15: 0x36},
		SpanID:  [8]byte{0x00, 0xf0, 7: 0xb7},
		Call: backend.Call{Arch: syscalls.X86_64, Nr: 257,
			Args: [6]uint64{0xffffff9c, 0x55d0c0de, 0, 0, 0, 0}, Ret: -2, Errno: 2, Entry: 5e9, Exit: 5e9 + 42_000},
		Thread: backend.Thread{TID: int32(unix.Gettid()), PID: pid, Process: "workload", Name: "opener"},
	}
	slow := collector.SpanRecord{
		TraceID: [16]byte{1, 15: 1}, SpanID: [8]byte{2, 7: 2},
		Call:   backend.Call{Arch: syscalls.I386, Nr: 162, Entry: 6e9, Exit: 6e9 + 20e6},
		Thread: backend.Thread{TID: pid, PID: pid, Process: "workload", Name: "workload"},
	}
	for _, r := range []*collector.SpanRecord{&failed, &slow} {
		if !q.Offer(r) {
			t.Fatal("queue refused a record with room")
		}
	}
	go q.run()
	if err := q.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}

	s := spans[0]
	if s.SpanContext.TraceID() != trace.TraceID(failed.TraceID) || s.SpanContext.SpanID() != trace.SpanID(failed.SpanID) {
		t.Errorf("IDs %s/%s, want the record's %x/%x", s.SpanContext.TraceID(), s.SpanContext.SpanID(), failed.TraceID, failed.SpanID)
	}
	if s.Parent.IsValid() {
		t.Error("not a root span")
	}
	if s.Name != "openat" || s.SpanKind != trace.SpanKindInternal {
		t.Errorf("name %q kind %v", s.Name, s.SpanKind)
	}
	if !s.StartTime.Equal(backend.WallTime(5e9)) || s.EndTime.Sub(s.StartTime) != 42*time.Microsecond {
		t.Errorf("start %v (want %v), duration %v", s.StartTime, backend.WallTime(5e9), s.EndTime.Sub(s.StartTime))
	}
	if s.Status.Code != codes.Error || s.Status.Description != "ENOENT" {
		t.Errorf("status %+v", s.Status)
	}
	attrs := attribute.NewSet(s.Attributes...)
	want := map[attribute.Key]attribute.Value{
		"syscall_exporter.syscall.name":         attribute.StringValue("openat"),
		"syscall_exporter.syscall.number":       attribute.Int64Value(257),
		"syscall_exporter.syscall.return_value": attribute.Int64Value(-2),
		"syscall_exporter.syscall.args":         attribute.StringSliceValue([]string{"0xffffff9c", "0x55d0c0de", "0x0", "0x0", "0x0", "0x0"}),
		"syscall_exporter.syscall.arch":         attribute.StringValue("x86_64"),
		"error.type":                            attribute.StringValue("ENOENT"),
		"thread.id":                             attribute.Int64Value(int64(failed.Thread.TID)),
		"thread.name":                           attribute.StringValue("opener"),
		"process.pid":                           attribute.Int64Value(int64(pid)),
		"process.executable.name":               attribute.StringValue("workload"),
		"process.command_args":                  attribute.StringSliceValue(argv),
		// No Details: the path prints as its address, as with --spans.decode=none.
		"syscall_exporter.syscall.text": attribute.StringValue("openat(AT_FDCWD, 0x55d0c0de, O_RDONLY)  = -1 ENOENT (No such file or directory)"),
	}
	for k, v := range want {
		got, ok := attrs.Value(k)
		if !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %v, want %v", k, got.String(), v.String())
		}
	}
	if attrs.Len() != len(want) {
		t.Errorf("%d attributes, want %d: %v", attrs.Len(), len(want), s.Attributes)
	}

	s = spans[1]
	attrs = attribute.NewSet(s.Attributes...)
	if s.Name != "nanosleep" || s.Status.Code != codes.Unset || s.EndTime.Sub(s.StartTime) != 20*time.Millisecond {
		t.Errorf("slow call: %q status %v duration %v", s.Name, s.Status.Code, s.EndTime.Sub(s.StartTime))
	}
	if v, _ := attrs.Value("syscall_exporter.syscall.arch"); v.AsString() != "i386" {
		t.Errorf("arch %q", v.AsString())
	}
	if v, ok := attrs.Value("thread.name"); !ok || v.AsString() != "workload" {
		t.Errorf("thread name %q, want the record's", v.AsString())
	}
	if _, ok := attrs.Value("error.type"); ok {
		t.Error("error.type on a call that succeeded")
	}
}

func TestCommandArgsAreOptIn(t *testing.T) {
	q, mem := inMemoryQueue(t, 1, nil)
	r := collector.SpanRecord{TraceID: [16]byte{1}, SpanID: [8]byte{1}, Call: backend.Call{Entry: 1, Exit: 2}, Thread: backend.Thread{PID: int32(os.Getpid())}}
	q.Offer(&r)
	go q.run()
	q.close(context.Background())
	for _, kv := range mem.GetSpans()[0].Attributes {
		if kv.Key == "process.command_args" {
			t.Error("process.command_args without --spans.command-args")
		}
	}
}

func TestFullQueueRefusesAtOnce(t *testing.T) {
	q, _ := inMemoryQueue(t, 2, nil)
	r := collector.SpanRecord{}
	for range 2 {
		if !q.Offer(&r) {
			t.Fatal("refused with room")
		}
	}
	done := make(chan bool)
	go func() { done <- q.Offer(&r) }()
	select {
	case ok := <-done:
		if ok {
			t.Error("a full queue took a record")
		}
	case <-time.After(time.Second):
		t.Fatal("Offer blocked on a full queue")
	}
}

func TestTokenBucketAdmitsRatePlusBurst(t *testing.T) {
	b := newTokenBucket(50, 5) // one token per 20 ms
	admitted := 0
	for now := int64(0); now < 1e9; now += 1e6 { // a call every ms for 1 s
		if b.allow(now) {
			admitted++
		}
	}
	// 5 at once, then one per 20 ms: at 20, 40, …, 980 ms.
	if admitted != 5+49 {
		t.Errorf("admitted %d, want 54", admitted)
	}
	b = newTokenBucket(50, 5)
	for range 5 {
		if !b.allow(0) {
			t.Fatal("burst not admitted at once")
		}
	}
	if b.allow(0) || b.allow(19_999_999) || !b.allow(20_000_000) || b.allow(20_000_000) {
		t.Error("past the burst, want exactly one call per 20 ms")
	}
	if !b.allow(10e9) {
		t.Error("an idle bucket refills")
	}
	unlimited := newTokenBucket(0, 0)
	for range 1000 {
		if !unlimited.allow(0) {
			t.Fatal("no limit, yet refused")
		}
	}
}

// Every offer is counted once, by the queue alone: taken, rate-limited or
// turned away by a full queue.
func TestOffersAreCountedExactly(t *testing.T) {
	stats := new(SpanStats)
	q := newSpanQueue(nil, 2, RateLimit{MaxPerSecond: 10, Burst: 3}, stats, nil)
	const offers = 200
	taken := 0
	for i := range offers { // 200 calls in 200 ms: 3 tokens, and 1 more at 100 ms
		r := collector.SpanRecord{Call: backend.Call{Entry: 1e9 + int64(i)*1e6, Exit: 1e9 + int64(i)*1e6 + 1000}}
		if q.Offer(&r) {
			taken++
		}
	}
	rateLimited, queueFull := stats.Dropped[DropRateLimited].Load(), stats.Dropped[DropQueueFull].Load()
	if taken != 2 || queueFull != 2 || rateLimited != offers-4 {
		t.Errorf("taken %d, queue_full %d, rate_limited %d; want 2, 2, %d", taken, queueFull, rateLimited, offers-4)
	}
}

func TestRateLimitValidation(t *testing.T) {
	for _, l := range []RateLimit{{MaxPerSecond: -1}, {MaxPerSecond: 10, Burst: 0}} {
		if l.Validate() == nil {
			t.Errorf("%+v accepted", l)
		}
	}
	if (RateLimit{}).Validate() != nil || (RateLimit{MaxPerSecond: 100, Burst: 100}).Validate() != nil {
		t.Error("a good limit refused")
	}
}
