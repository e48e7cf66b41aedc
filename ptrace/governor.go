package ptrace

import (
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/proc"
)

// The overhead governor keeps the slowdown of the targets under a budget
// by duty-cycling: traced windows (PTRACE_SYSCALL: every call stops) and
// untraced ones (PTRACE_CONT: no call stops). A traced window estimates
// how much of its time the busiest thread spent stopped, s; the untraced
// window that follows is long enough that the average stays under the
// budget: off = on × (s/budget − 1).
//
// From the tracer, a thread's time splits into intervals from resuming it
// to its next stop. Each holds the thread's own work plus a round trip of
// context switches we cannot see apart; the shortest interval in the
// window (a trivial call's entry to exit) is taken as the round trip. So
// a thread's unslowed work is Σ(interval − shortest), and the rest of the
// window it spent stopped because of us.
//
// The sampling ratio, the share of the targets' calls that were traced,
// comes from the kernel where it can: /proc/PID/io counts read- and
// write-family calls (syscr, syscw) whether we trace or not, so the share
// of those made in traced windows is measured, not estimated. Processes
// that make none fall back to the timing estimate: traced progress,
// window × (1 − s), over all progress.
//
// Windows start short, so a short-lived command is not slowed by a long
// first window, and double up to a second: every switch back to tracing
// interrupts the untraced threads (PTRACE_INTERRUPT), which makes some
// blocked calls (epoll_wait, semop, socket calls with timeouts) return
// EINTR in the target, as a stop signal would. Those calls were entered
// untraced, so they are never counted, as errors or otherwise.
type governor struct {
	budget  float64 // fraction of the targets' time; 0: off
	started bool    // at the first counted stop: a launched command's start-up is nobody's progress

	tracing    bool
	window     time.Duration // length of the current or next traced window
	minRun     int64         // shortest resume-to-stop interval this window
	phaseStart int64         // monotonic ns
	switchAt   int64

	// Progress: time the targets ran at full speed, traced or not. Counters
	// are raw; the traced share of progress turns them into true rates.
	tracedProgress, totalProgress float64
	// The estimated time stopped and the time elapsed since start, for the
	// budget over the whole run (govTick).
	stoppedSum, elapsedSum float64
	advances               int // untraced phases planned
	// Read/write-family calls per process at the last look, and those
	// seen in traced windows and in all.
	lastIO            map[int32]uint64
	tracedIO, totalIO uint64

	// For scrapes: progress so far as float64 bits, and when the current
	// untraced phase began (0 while tracing, or when nothing is traced), so
	// the ratio includes untraced progress up to the moment it is read.
	tracedBits, totalBits, overheadBits atomic.Uint64
	offSince                            atomic.Int64
	ioRatioBits                         atomic.Uint64 // NaN until enough calls
}

// minIOCalls is how many read/write-family calls it takes before their
// share is trusted over the timing estimate.
const minIOCalls = 1000

const (
	firstWindow = 2 * time.Millisecond
	maxWindow   = time.Second
	maxOffPhase = time.Minute
)

func (g *governor) enabled() bool { return g.budget > 0 }

func (g *governor) start(now int64) {
	g.started = true
	g.tracing = true
	g.window = firstWindow
	g.phaseStart = now
	g.switchAt = now + int64(g.window)
	g.minRun = math.MaxInt64
	g.lastIO = make(map[int32]uint64)
	g.ioRatioBits.Store(math.Float64bits(math.NaN()))
}

// countIO adds what process pid's read/write-family count moved since the
// last look to the phase now ending (traced or not).
func (g *governor) countIO(fs proc.FS, pid int32, traced bool) {
	n, ok := fs.IOCalls(pid)
	if !ok {
		return
	}
	if last, seen := g.lastIO[pid]; seen && n >= last {
		g.totalIO += n - last
		if traced {
			g.tracedIO += n - last
		}
	}
	g.lastIO[pid] = n
	if g.totalIO >= minIOCalls {
		g.ioRatioBits.Store(math.Float64bits(float64(g.tracedIO) / float64(g.totalIO)))
	}
}

// countAllIO closes the phase for every traced process.
func (t *Tracer) countAllIO(traced bool) {
	for pid := range t.tab.procs {
		t.gov.countIO(t.fs, pid, traced)
	}
	for pid := range t.gov.lastIO {
		if t.tab.procs[pid] == nil {
			delete(t.gov.lastIO, pid)
		}
	}
}

func (g *governor) publish() {
	g.tracedBits.Store(math.Float64bits(g.tracedProgress))
	g.totalBits.Store(math.Float64bits(g.totalProgress))
}

// SamplingRatio is the fraction of the targets' progress that was traced:
// 1 without the governor. Counters are raw observations; true rates are
// rate(counter) / SamplingRatio. Safe from any goroutine.
func (t *Tracer) SamplingRatio() float64 {
	g := &t.gov
	if !g.enabled() {
		return 1
	}
	if r := math.Float64frombits(g.ioRatioBits.Load()); !math.IsNaN(r) {
		return r
	}
	traced := math.Float64frombits(g.tracedBits.Load())
	total := math.Float64frombits(g.totalBits.Load())
	if off := g.offSince.Load(); off != 0 {
		total += float64(monoNow() - off)
	}
	if total == 0 {
		return 1
	}
	return traced / total
}

// OverheadRatio estimates the fraction of the targets' time spent stopped
// by the tracer, averaged over the last cycle; NaN before one completes,
// and without the governor. Safe from any goroutine.
func (t *Tracer) OverheadRatio() float64 {
	if !t.gov.enabled() {
		return math.NaN()
	}
	return math.Float64frombits(t.gov.overheadBits.Load())
}

// govStop accounts the interval of th that a stop ends.
func (t *Tracer) govStop(th *thread, now int64) {
	if !t.gov.started {
		if !th.counting {
			return
		}
		t.gov.start(now)
		t.countAllIO(false) // baselines
	}
	if th.proc.ioPending {
		// The first stop of the process since tracing resumed: its
		// untraced phase ends here, not when we asked it to stop.
		th.proc.ioPending = false
		t.gov.countIO(t.fs, th.proc.pid, false)
	}
	if th.resumedAt == 0 {
		return
	}
	run := now - th.resumedAt
	if run < t.gov.minRun {
		t.gov.minRun = run
	}
	th.runNs += run
	th.windowStops++
}

// govTick switches phases when the current one is over. It runs after
// every stop and on every doorbell.
func (t *Tracer) govTick(now int64) {
	g := &t.gov
	if !g.started || now < g.switchAt || t.detach.active {
		return
	}
	length := float64(now - g.phaseStart)
	g.elapsedSum += length
	if !g.tracing {
		for _, p := range t.tab.procs {
			p.ioPending = true
		}
		g.totalProgress += length
		g.publish()
		g.offSince.Store(0)
		t.govTrace(now)
		return
	}
	t.countAllIO(true)
	roundTrip := g.minRun
	if roundTrip == math.MaxInt64 {
		roundTrip = 0
	}
	stopped := 0.0 // the busiest thread's stopped fraction
	for _, th := range t.tab.byTID {
		if th.windowStops > 0 {
			work := th.runNs - int64(th.windowStops)*roundTrip
			if f := 1 - float64(work)/length; f > stopped {
				stopped = f
			}
		}
		th.runNs, th.windowStops = 0, 0
	}
	g.minRun = math.MaxInt64
	stopped = math.Max(0, math.Min(1, stopped))
	progress := length * (1 - stopped)
	g.stoppedSum += length * stopped
	g.tracedProgress += progress
	g.totalProgress += progress
	g.publish()
	if g.window < maxWindow {
		g.window *= 2
	}
	if stopped <= g.budget {
		g.overheadBits.Store(math.Float64bits(stopped))
		g.phaseStart, g.switchAt = now, now+int64(g.window)
		return
	}
	// Long enough for this window's cost and, paid in advance, the next
	// one's: a command that ends just after the next (longer) window has
	// still kept to the budget. Without it the second window of a 45 ms
	// dd came before its untraced share: 12% stopped against 5.
	//
	// The first window's estimate is the least sure: it holds the
	// command's own start-up, and no untraced phase came before it to
	// compare with (a 45 ms dd's first window measured 14–34% stopped, its
	// second 55–78%, against ~98% really). So the first advance assumes the
	// next window stops the targets throughout; later ones trust the
	// estimate, so that light workloads keep their sampling.
	off := time.Duration(length * (stopped/g.budget - 1))
	next, nextStopped := float64(g.window), stopped
	if g.advances == 0 {
		nextStopped = 1
	}
	g.advances++
	if ahead := time.Duration((g.stoppedSum+nextStopped*next)/g.budget - g.elapsedSum - next); ahead > off {
		off = ahead
	}
	if off > maxOffPhase {
		off = maxOffPhase
	}
	g.overheadBits.Store(math.Float64bits(stopped * length / (length + float64(off))))
	g.tracing = false
	g.phaseStart, g.switchAt = now, now+int64(off)
	g.offSince.Store(now)
	time.AfterFunc(off, t.bell.ring)
}

// govIdle closes the books when the last tracee is gone: untraced time
// with nothing running is nobody's progress.
func (t *Tracer) govIdle(now int64) {
	g := &t.gov
	if !g.tracing {
		g.totalProgress += float64(now - g.phaseStart)
		g.offSince.Store(0)
		g.publish()
		t.govTrace(now)
	}
}

// govTrace opens a traced window: threads resumed with PTRACE_CONT are
// interrupted, and their next stop resumes them with PTRACE_SYSCALL.
func (t *Tracer) govTrace(now int64) {
	g := &t.gov
	g.tracing = true
	g.phaseStart, g.switchAt = now, now+int64(g.window)
	g.minRun = math.MaxInt64
	for _, th := range t.tab.byTID {
		if th.paused {
			th.paused = false
			th.resumedAt = 0 // its run time until the interrupt is not ours to count
			if err := interrupt(th.TID); err != nil && err != unix.ESRCH {
				t.log.Debug("interrupt to resume tracing failed", "tid", th.TID, "err", err)
			}
		}
	}
}
