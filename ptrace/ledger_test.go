package ptrace

import (
	"math"
	"testing"
	"time"
)

const ms = float64(time.Millisecond)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func nearDuration(a, b time.Duration) bool { return a-b <= 1 && b-a <= 1 }

func TestOffPhase(t *testing.T) {
	for _, c := range []struct {
		length, stopped, budget float64
		want                    time.Duration
	}{
		{10 * ms, 0.5, 0.05, 90 * time.Millisecond}, // 10 ms × (10 − 1)
		{10 * ms, 1, 0.1, 90 * time.Millisecond},
		{10 * ms, 0.05, 0.05, 0}, // at the budget: no untraced phase needed
		{2 * ms, 0.2, 0.1, 2 * time.Millisecond},
	} {
		if got := offPhase(c.length, c.stopped, c.budget); !nearDuration(got, c.want) {
			t.Errorf("offPhase(%g, %g, %g) = %v, want %v", c.length, c.stopped, c.budget, got, c.want)
		}
	}
}

func TestThreadStopped(t *testing.T) {
	for _, c := range []struct {
		name      string
		runNs     int64
		stops     int
		roundTrip int64
		length    float64
		want      float64
	}{
		{name: "work less round trips", runNs: 6e6, stops: 1000, roundTrip: 2000, length: 10 * ms, want: 0.6},
		{name: "ran throughout, no stops", runNs: 10e6, length: 10 * ms, want: 0},
		{name: "no round trip known", runNs: 2.5e6, stops: 10, length: 10 * ms, want: 0.75},
		{name: "more work than the window: not clamped here", runNs: 12e6, stops: 1, length: 10 * ms, want: -0.2},
	} {
		if got := threadStopped(c.runNs, c.stops, c.roundTrip, c.length); !near(got, c.want) {
			t.Errorf("%s: threadStopped = %g, want %g", c.name, got, c.want)
		}
	}
	if got := roundTrip(math.MaxInt64); got != 0 {
		t.Errorf("roundTrip without an interval = %d, want 0", got)
	}
	if got := roundTrip(1500); got != 1500 {
		t.Errorf("roundTrip(1500) = %d, want 1500", got)
	}
}

// A step closes one phase: traced (with the busiest thread's stopped
// fraction) or untraced, and says what a traced one returns.
type step struct {
	traced          bool
	length, stopped float64
	pause           bool
	off             time.Duration
	overhead        float64
}

// The expected figures are worked by hand from the rule: off = length ×
// (stopped/budget − 1), or more where the run's sums need it to pay for
// the next window in advance, at most maxOffPhase.
func TestLedgerWindows(t *testing.T) {
	for _, c := range []struct {
		name  string
		start ledger
		steps []step
		want  ledger // the books after the last step
	}{
		{
			name:  "within budget: tracing goes on, the window doubles",
			start: ledger{budget: 0.05, window: firstWindow},
			steps: []step{{traced: true, length: 2 * ms, stopped: 0.04, overhead: 0.04}},
			want: ledger{budget: 0.05, window: 2 * firstWindow, elapsedSum: 2 * ms, stoppedSum: 0.08 * ms,
				tracedProgress: 1.92 * ms, totalProgress: 1.92 * ms},
		},
		{
			name:  "at the budget exactly: no untraced phase",
			start: ledger{budget: 0.1, window: firstWindow},
			steps: []step{{traced: true, length: 2 * ms, stopped: 0.1, overhead: 0.1}},
			want: ledger{budget: 0.1, window: 2 * firstWindow, elapsedSum: 2 * ms, stoppedSum: 0.2 * ms,
				tracedProgress: 1.8 * ms, totalProgress: 1.8 * ms},
		},
		{
			// Second window: off = 4 × (1/0.5 − 1) = 4 ms, but the first
			// advance assumes the next 8 ms fully stopped: (4 + 8)/0.5 − 6
			// − 8 = 10 ms.
			name:  "fractions are clamped to 0..1; the first advance pays for a fully stopped next window",
			start: ledger{budget: 0.5, window: firstWindow},
			steps: []step{
				{traced: true, length: 2 * ms, stopped: -0.3, overhead: 0},
				{traced: true, length: 4 * ms, stopped: 1.7, pause: true, off: 10 * time.Millisecond, overhead: 4.0 / 14},
			},
			want: ledger{budget: 0.5, window: 8 * time.Millisecond, elapsedSum: 6 * ms, stoppedSum: 4 * ms,
				tracedProgress: 2 * ms, totalProgress: 2 * ms, advances: 1},
		},
		{
			// First: off = 2 × 9 = 18 ms; ahead = (1 + 4)/0.05 − 2 − 4 = 94.
			// Third: off = 4 × 9 = 36 ms; ahead, trusting 0.5 for the next
			// 8 ms, = (3 + 4)/0.05 − 100 − 8 = 32: the window's own rule wins.
			name:  "later advances trust the estimate",
			start: ledger{budget: 0.05, window: firstWindow},
			steps: []step{
				{traced: true, length: 2 * ms, stopped: 0.5, pause: true, off: 94 * time.Millisecond, overhead: 1.0 / 96},
				{length: 94 * ms},
				{traced: true, length: 4 * ms, stopped: 0.5, pause: true, off: 36 * time.Millisecond, overhead: 0.05},
			},
			want: ledger{budget: 0.05, window: 8 * time.Millisecond, elapsedSum: 100 * ms, stoppedSum: 3 * ms,
				tracedProgress: 3 * ms, totalProgress: 97 * ms, advances: 2},
		},
		{
			// off = 1 s × 99; ahead = (1 + 1)/0.01 − 1 − 1 = 198 s; both over
			// a minute. The window stays at its maximum.
			name:  "an untraced phase lasts at most maxOffPhase",
			start: ledger{budget: 0.01, window: maxWindow},
			steps: []step{{traced: true, length: float64(time.Second), stopped: 1, pause: true, off: maxOffPhase, overhead: 1.0 / 61}},
			want: ledger{budget: 0.01, window: maxWindow, elapsedSum: float64(time.Second), stoppedSum: float64(time.Second),
				advances: 1},
		},
	} {
		l := c.start
		for i, s := range c.steps {
			if !s.traced {
				l.closeUntraced(s.length)
				continue
			}
			pause, off, overhead := l.closeTraced(s.length, s.stopped)
			if pause != s.pause || !nearDuration(off, s.off) || !near(overhead, s.overhead) {
				t.Errorf("%s: step %d: closeTraced = %v, %v, %g; want %v, %v, %g", c.name, i, pause, off, overhead, s.pause, s.off, s.overhead)
			}
		}
		if l.budget != c.want.budget || l.window != c.want.window || l.advances != c.want.advances ||
			!near(l.elapsedSum, c.want.elapsedSum) || !near(l.stoppedSum, c.want.stoppedSum) ||
			!near(l.tracedProgress, c.want.tracedProgress) || !near(l.totalProgress, c.want.totalProgress) {
			t.Errorf("%s: books %+v, want %+v", c.name, l, c.want)
		}
	}
}

func TestLedgerIdleCountsProgressOnly(t *testing.T) {
	l := ledger{budget: 0.05, window: firstWindow, elapsedSum: 10 * ms, totalProgress: 5 * ms}
	l.closeIdle(3 * ms)
	if !near(l.totalProgress, 8*ms) || !near(l.elapsedSum, 10*ms) {
		t.Errorf("after closeIdle: total progress %g, elapsed %g; want %g, %g", l.totalProgress, l.elapsedSum, 8*ms, 10*ms)
	}
}

func TestLedgerIO(t *testing.T) {
	for _, c := range []struct {
		name         string
		last         uint64
		seen         bool
		n            uint64
		traced       bool
		traced0      uint64 // tracedIO before
		wantTraced   uint64
		wantTotal    uint64
		wantShare    float64 // NaN: not trusted yet
		total0       uint64
		wantShareNaN bool
	}{
		{name: "first look is a baseline", n: 500, wantShareNaN: true},
		{name: "a count that went back (PID reused) is a baseline", last: 900, seen: true, n: 100, wantShareNaN: true},
		{name: "untraced phase counts in all only", last: 100, seen: true, n: 1100, wantTotal: 1000, wantShare: 0},
		{name: "traced phase counts in both", last: 100, seen: true, n: 1100, traced: true, wantTraced: 1000, wantTotal: 1000, wantShare: 1},
		{name: "below minIOCalls the share is not trusted", last: 0, seen: true, n: minIOCalls - 1, traced: true,
			wantTraced: minIOCalls - 1, wantTotal: minIOCalls - 1, wantShareNaN: true},
		{name: "adds to what was booked", last: 10, seen: true, n: 60, traced: true, traced0: 200, total0: 3950,
			wantTraced: 250, wantTotal: 4000, wantShare: 0.0625},
	} {
		l := ledger{tracedIO: c.traced0, totalIO: c.total0}
		l.addIO(c.last, c.seen, c.n, c.traced)
		if l.tracedIO != c.wantTraced || l.totalIO != c.wantTotal {
			t.Errorf("%s: traced %d of %d calls, want %d of %d", c.name, l.tracedIO, l.totalIO, c.wantTraced, c.wantTotal)
		}
		if share := l.ioShare(); c.wantShareNaN != math.IsNaN(share) || !c.wantShareNaN && !near(share, c.wantShare) {
			t.Errorf("%s: ioShare = %g, want %g (NaN: %v)", c.name, share, c.wantShare, c.wantShareNaN)
		}
	}
}

func TestSamplingRatio(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name              string
		io, traced, total float64
		want              float64
	}{
		{"the I/O calls' share wins", 0.25, 1, 2, 0.25},
		{"a share of 0 is a share", 0, 1, 2, 0},
		{"without it, traced over total progress", nan, 3 * ms, 12 * ms, 0.25},
		{"nothing ran yet: everything traced", nan, 0, 0, 1},
	} {
		if got := samplingRatio(c.io, c.traced, c.total); !near(got, c.want) {
			t.Errorf("%s: samplingRatio(%g, %g, %g) = %g, want %g", c.name, c.io, c.traced, c.total, got, c.want)
		}
	}
}
