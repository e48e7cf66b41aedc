package ptrace_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// steadyState is a Consumer that does no work of its own: it only marks
// the first and the last of the calls a worker thread of the threads
// program makes in its loop, so that what happens between them is the
// tracer's steady state — no thread starts, exits or execs, only syscall
// stops.
type steadyState struct {
	getppid, read uint32
	want          int // calls the worker makes in its loop
	seen          int
	first, last   func()
	// capture: every call of the worker's loop becomes a span: its
	// memory is read at the exit stop (Call.Details) and released.
	capture bool
}

func (c *steadyState) ThreadStarted(*backend.Thread) backend.Slot                   { return 0 }
func (c *steadyState) ThreadRenamed(_ *backend.Thread, s backend.Slot) backend.Slot { return s }
func (c *steadyState) ThreadExited(*backend.Thread, backend.Slot)                   {}
func (c *steadyState) Add(backend.Slot, syscalls.Arch, uint32, *backend.Delta)      {}
func (c *steadyState) SpanCandidate(*backend.Call)                                  {}

func (c *steadyState) SyscallEntered(*backend.Call) {}
func (c *steadyState) SyscallExited(s *backend.Call) {
	// The main thread only waits; the loader's reads are its own.
	if s.Thread.TID == s.Thread.PID || s.Arch != syscalls.Native() || (s.Nr != c.getppid && s.Nr != c.read) {
		return
	}
	c.seen++
	if c.capture && s.Details != nil {
		if cp := s.Details.Capture(s); cp != nil {
			cp.Release()
		}
	}
	if c.seen == 1 {
		c.first()
	}
	if c.seen == c.want {
		c.last()
	}
}

// window is what the tracer did between the first and the last call.
type window struct {
	stops, mallocs uint64
	elapsed        time.Duration
}

// traceSteadyState launches threads -t 1 -n calls under a tracer and
// measures the window between the worker's first and last loop call.
// during runs at both ends of the window, on the tracer thread.
func traceSteadyState(tb testing.TB, prog string, calls int, atFirst, atLast func()) window {
	tb.Helper()
	return traceSteadyStateWith(tb, prog, calls, steadyOptions{}, atFirst, atLast)
}

// steadyOptions are what the tracer does besides counting.
type steadyOptions struct {
	mode    decode.Mode // --spans.decode
	capture bool        // every call of the loop is captured, as a span
	ring    int         // --flight-recorder
}

// traceSteadyStateWith is traceSteadyState with opts.
func traceSteadyStateWith(tb testing.TB, prog string, calls int, opts steadyOptions, atFirst, atLast func()) window {
	tb.Helper()
	native := syscalls.Native()
	getppid, ok1 := syscalls.Lookup(native, "getppid")
	read, ok2 := syscalls.Lookup(native, "read")
	if !ok1 || !ok2 {
		tb.Skip("no syscall table for this arch")
	}
	var w window
	var ms runtime.MemStats
	var start time.Time
	var tr *ptrace.Tracer
	c := &steadyState{getppid: getppid, read: read, want: calls, capture: opts.capture}
	c.first = func() {
		atFirst()
		runtime.ReadMemStats(&ms)
		w.mallocs = ms.Mallocs
		w.stops, _ = tr.StopStats()
		start = time.Now()
	}
	c.last = func() {
		w.elapsed = time.Since(start)
		stops, _ := tr.StopStats()
		w.stops = stops - w.stops
		runtime.ReadMemStats(&ms)
		w.mallocs = ms.Mallocs - w.mallocs
		atLast()
	}
	tr = ptrace.New(ptrace.Config{Consumer: c, Decode: opts.mode, FlightRecorder: opts.ring})
	if err := tr.Start(); err != nil {
		tb.Fatal(err)
	}
	if err := tr.Launch(prog, []string{prog, "-t", "1", "-n", strconv.Itoa(calls)}, os.Environ()); err != nil {
		tr.DetachAll()
		<-tr.Done()
		tb.Fatal(err)
	}
	select {
	case <-tr.Done():
	case <-time.After(10 * time.Minute):
		tb.Fatal("tracer did not finish")
	}
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 0 {
		tb.Fatalf("threads: status %v, want exit 0", ws)
	}
	if c.seen != calls {
		tb.Fatalf("saw %d of the worker's %d calls", c.seen, calls)
	}
	return w
}

// The tracer thread must not allocate per stop: a tracee waits through
// every allocation, and garbage means GC work on the stop path.
func TestStopPathDoesNotAllocate(t *testing.T) {
	prog := buildProg(t, "threads")
	const calls = 20000
	w := traceSteadyState(t, prog, calls, func() {}, func() {})
	// From the exit stop of the first call to the entry stop of the last;
	// the main thread may finish pthread_create's rt_sigprocmask meanwhile.
	// Stats.Stops is published every 8th stop: up to 7 late at each end.
	if lo, hi := uint64(2*calls-2-7), uint64(2*calls+4+7); w.stops < lo || w.stops > hi {
		t.Errorf("%d stops in the steady state, want %d to %d", w.stops, lo, hi)
	}
	// None come from the tracer. The bound leaves room for the Go runtime:
	// the first time it preempts the locked tracer goroutine it may start
	// an OS thread to run the P meanwhile (6 objects), and its scavenger
	// may grow a timer heap. One per stop would be 40000.
	if w.mallocs > 20 {
		t.Errorf("%d heap allocations in %d stops, want none", w.mallocs, w.stops)
	}
	t.Logf("%d stops, %d allocations, %.2f µs per stop", w.stops, w.mallocs, float64(w.elapsed.Microseconds())/float64(w.stops))
}

// BenchmarkTraceStops traces b.N syscalls of a real thread (getppid and
// read alternating) with a consumer that does nothing: the tracer's own
// cost per syscall, two stops each. The timer and -benchmem cover only
// the steady state. allocs/stop must be 0.
func BenchmarkTraceStops(b *testing.B) {
	benchmarkTraceStops(b, steadyOptions{})
}

// BenchmarkTraceStopsFlightRecorder is BenchmarkTraceStops with
// --flight-recorder=16: each call copied into its thread's ring.
func BenchmarkTraceStopsFlightRecorder(b *testing.B) {
	benchmarkTraceStops(b, steadyOptions{ring: 16})
}

// BenchmarkTraceStopsDecodeOn is BenchmarkTraceStops with
// --spans.decode=paths and no call a span: what decoding costs the calls
// that do not become spans.
func BenchmarkTraceStopsDecodeOn(b *testing.B) {
	benchmarkTraceStops(b, steadyOptions{mode: decode.ModePaths})
}

// BenchmarkTraceStopsCaptureEvery makes every call a span with
// --spans.decode=all: each read's one byte (and getppid's nothing) read
// out of the tracee at its exit stop, into a pooled capture, released at
// once. The worst case: every call decoded.
func BenchmarkTraceStopsCaptureEvery(b *testing.B) {
	benchmarkTraceStops(b, steadyOptions{mode: decode.ModeAll, capture: true})
}

func benchmarkTraceStops(b *testing.B, opts steadyOptions) {
	testprog.RequireTracing(b)
	prog := testprog.Build(b, "threads")
	b.StopTimer()
	w := traceSteadyStateWith(b, prog, b.N, opts, func() {
		// On the tracer thread, while the benchmark goroutine waits for
		// the tracer to finish.
		b.ResetTimer()
		b.StartTimer()
	}, b.StopTimer)
	if w.stops > 0 {
		b.ReportMetric(float64(w.mallocs)/float64(w.stops), "allocs/stop")
		b.ReportMetric(float64(w.elapsed.Nanoseconds())/float64(w.stops), "ns/stop")
	}
}

// With every call captured and released, and recorded, the stop path
// still allocates nothing: the captures come from the fixed pool, the
// ring was made with the thread.
func TestDecodingStopPathDoesNotAllocate(t *testing.T) {
	prog := buildProg(t, "threads")
	const calls = 20000
	w := traceSteadyStateWith(t, prog, calls, steadyOptions{mode: decode.ModeAll, capture: true, ring: 16}, func() {}, func() {})
	if w.mallocs > 20 { // as TestStopPathDoesNotAllocate
		t.Errorf("%d heap allocations in %d stops, want none", w.mallocs, w.stops)
	}
	t.Logf("%d stops, %d allocations, %.2f µs per stop", w.stops, w.mallocs, float64(w.elapsed.Microseconds())/float64(w.stops))
}
