package ptrace

import (
	"math"
	"time"
)

// The governor's arithmetic (governor.go says what it models), apart from
// the clock, the threads and the kernel, so that tables test it.

const (
	firstWindow = 2 * time.Millisecond
	maxWindow   = time.Second
	maxOffPhase = time.Minute
)

// minIOCalls is how many read/write-family calls it takes before their
// share is trusted over the timing estimate.
const minIOCalls = 1000

// ledger is the governor's books over the windows of a run.
type ledger struct {
	budget float64       // fraction of the targets' time they may be stopped
	window time.Duration // length of the current or next traced window

	// Progress: time the targets ran at full speed, traced or not. Counters
	// are raw; the traced share of progress turns them into true rates.
	tracedProgress, totalProgress float64
	// The estimated time stopped and the time elapsed since start, for the
	// budget over the whole run.
	stoppedSum, elapsedSum float64
	advances               int // untraced phases planned
	// Read/write-family calls seen in traced windows and in all.
	tracedIO, totalIO uint64
}

// offPhase is how long the untraced phase after a traced window of length
// ns must last for the cycle to average budget, when the window kept the
// busiest thread stopped for the fraction stopped of it.
func offPhase(length, stopped, budget float64) time.Duration {
	return time.Duration(length * (stopped/budget - 1))
}

// roundTrip is the round trip through the tracer the shortest
// resume-to-stop interval of a window stands for (minRun: MaxInt64 when
// there was none).
func roundTrip(minRun int64) int64 {
	if minRun == math.MaxInt64 {
		return 0
	}
	return minRun
}

// threadStopped is the fraction of a window of length ns a thread spent
// stopped by us: it ran for runNs over stops intervals, each holding a
// round trip besides its own work. Not clamped: the busiest thread's is
// (closeTraced).
func threadStopped(runNs int64, stops int, roundTrip int64, length float64) float64 {
	work := runNs - int64(stops)*roundTrip
	return 1 - float64(work)/length
}

// closeUntraced books an untraced phase of length ns: the targets ran at
// full speed throughout.
func (l *ledger) closeUntraced(length float64) {
	l.elapsedSum += length
	l.totalProgress += length
}

// closeIdle books untraced time of length ns that ended because nothing
// is left to trace.
func (l *ledger) closeIdle(length float64) { l.totalProgress += length }

// closeTraced books a traced window of length ns in which the busiest
// thread was stopped for the fraction stopped of it, and doubles the
// window up to maxWindow. It says whether an untraced phase follows, for
// how long, and the overhead over the cycle.
func (l *ledger) closeTraced(length, stopped float64) (pause bool, off time.Duration, overhead float64) {
	l.elapsedSum += length
	stopped = math.Max(0, math.Min(1, stopped))
	progress := length * (1 - stopped)
	l.stoppedSum += length * stopped
	l.tracedProgress += progress
	l.totalProgress += progress
	if l.window < maxWindow {
		l.window *= 2
	}
	if stopped <= l.budget {
		return false, 0, stopped
	}
	off = l.advance(length, stopped)
	return true, off, stopped * length / (length + float64(off))
}

// advance is the untraced phase after a window over budget: long enough
// for this window's cost and, paid in advance, the next one's, so that a
// command ending just after the next (longer) window has still kept to the
// budget. The first window's estimate is the least sure (it holds the
// command's start-up, with no untraced phase before it to compare): the
// first advance assumes the next window stops the targets throughout;
// later ones trust the estimate, so light workloads keep their sampling.
// Measured: docs/performance.md, "Overhead governor".
func (l *ledger) advance(length, stopped float64) time.Duration {
	off := offPhase(length, stopped, l.budget)
	next, nextStopped := float64(l.window), stopped
	if l.advances == 0 {
		nextStopped = 1
	}
	l.advances++
	if ahead := time.Duration((l.stoppedSum+nextStopped*next)/l.budget - l.elapsedSum - next); ahead > off {
		off = ahead
	}
	return min(off, maxOffPhase)
}

// addIO books a process's read/write-family count that moved from last
// (seen: there was a last look) to n during a phase, traced or not.
func (l *ledger) addIO(last uint64, seen bool, n uint64, traced bool) {
	if !seen || n < last {
		return
	}
	l.totalIO += n - last
	if traced {
		l.tracedIO += n - last
	}
}

// ioShare is the traced share of the read/write-family calls; NaN until
// there are minIOCalls of them.
func (l *ledger) ioShare() float64 {
	if l.totalIO < minIOCalls {
		return math.NaN()
	}
	return float64(l.tracedIO) / float64(l.totalIO)
}

// samplingRatio is the traced share of the targets' progress: by their
// read/write-family calls where ioShare knows it, else by the timing
// estimate, traced over total progress; 1 before any.
func samplingRatio(ioShare, tracedProgress, totalProgress float64) float64 {
	if !math.IsNaN(ioShare) {
		return ioShare
	}
	if totalProgress == 0 {
		return 1
	}
	return tracedProgress / totalProgress
}
