package exporter

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// A crash is logged one record per thread, the signaled thread first,
// its calls as strace lines oldest first; and made a span with an event
// per call, status Error with the signal.
func TestCrashReportLogsEachThreadAndMakesASpan(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem))
	defer tp.Shutdown(context.Background())
	r := newCrashReport(logger, tp.Tracer("test"))

	write := backend.Call{Arch: syscalls.X86_64, Nr: 1, Args: [6]uint64{1, 0x5000, 6}, Ret: 6, Entry: 10, Exit: 20}
	read := backend.Call{Arch: syscalls.X86_64, Nr: 0, Args: [6]uint64{0, 0x6000, 1}, Ret: 1, Entry: 30, Exit: 40}
	futex := backend.Call{Arch: syscalls.X86_64, Nr: 202, Args: [6]uint64{0x7000, 0x80, 2}, Entry: 15} // never returned
	r.OfferCrash(&backend.Crash{PID: 100, Process: "app", Signal: syscall.SIGSEGV, TID: 100, Time: 50,
		Threads: []backend.RecentCalls{
			{Thread: backend.Thread{TID: 100, PID: 100, Process: "app", Name: "app"}, Calls: []backend.Call{write, read}},
			{Thread: backend.Thread{TID: 101, PID: 100, Process: "app", Name: "worker"}, Calls: []backend.Call{futex}},
		}})
	r.Close()

	records := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(records) != 2 {
		t.Fatalf("%d records, want one per thread:\n%s", len(records), log.String())
	}
	for i, want := range []string{
		`msg="traced process crashed" signal=SIGSEGV pid=100 process=app signaled=true crashes_not_logged=0 tid=100 thread=app calls="write(1, 0x5000, 6)                     = 6\nread(0, 0x6000, 1)                      = 1"`,
		`msg="traced process crashed" signal=SIGSEGV pid=100 process=app signaled=false crashes_not_logged=0 tid=101 thread=worker calls="futex(0x7000, FUTEX_WAIT_PRIVATE, 2, NULL) = ?"`,
	} {
		if !strings.Contains(records[i], want) {
			t.Errorf("record %d:\n  %s\nwant it to hold\n  %s", i, records[i], want)
		}
	}
	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if s.Name != "crash" || s.Status.Code != codes.Error || s.Status.Description != "SIGSEGV" || len(s.Events) != 3 ||
		s.Events[0].Name != "write" || s.Events[2].Name != "futex" || !s.StartTime.Equal(backend.WallTime(10)) || !s.EndTime.Equal(backend.WallTime(50)) {
		t.Errorf("span %s status %v, %d events, %v to %v", s.Name, s.Status, len(s.Events), s.StartTime, s.EndTime)
	}
}
