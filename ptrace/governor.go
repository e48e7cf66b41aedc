package ptrace

import (
	"log/slog"
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
//
// The arithmetic is in ledger.go; here is what the stop path calls.

// governor is what the stop path tells the overhead governor and asks of
// it. Without --max-overhead it is noGovernor, which does nothing.
type governor interface {
	// stopped accounts the run of th that a stop at now ends.
	stopped(th *thread, now int64)
	// tick switches phases when the current one is over: after every
	// stop, and at every doorbell.
	tick(now int64)
	// untraced says whether th, resumed now, runs without syscall stops
	// (PTRACE_CONT) in an untraced window. A call in flight still gets
	// its exit stop.
	untraced(th *thread) bool
	// exiting runs at th's exit stop (PTRACE_EVENT_EXIT).
	exiting(th *thread)
	// idle runs when the last tracee is gone.
	idle()
	// needsExitStops says whether exit stops may not be skipped
	// (skipExitStop): the governor reads a process's I/O count there.
	needsExitStops() bool
	samplingRatio() float64
	overheadRatio() float64
}

// noGovernor is the governor when --max-overhead is off: every call
// stops, every call is counted.
type noGovernor struct{}

func (noGovernor) stopped(*thread, int64) {}
func (noGovernor) tick(int64)             {}
func (noGovernor) untraced(*thread) bool  { return false }
func (noGovernor) exiting(*thread)        {}
func (noGovernor) idle()                  {}
func (noGovernor) needsExitStops() bool   { return false }
func (noGovernor) samplingRatio() float64 { return 1 }
func (noGovernor) overheadRatio() float64 { return math.NaN() }

// threadWindow is a thread's part in the current traced window.
type threadWindow struct {
	paused    bool  // resumed with PTRACE_CONT in an untraced window
	resumedAt int64 // monotonic ns; 0: its run is not ours to count
	runNs     int64 // sum of its resume-to-stop intervals this window
	stops     int
}

// dutyCycle is the governor with a budget.
type dutyCycle struct {
	ledger
	tab     *threadTable
	leaving *detachState
	fs      proc.FS
	ring    func() // wakes the tracer when an untraced phase is over
	log     *slog.Logger

	started bool // at the first counted stop: a launched command's start-up is nobody's progress
	tracing bool

	minRun     int64 // shortest resume-to-stop interval this window
	phaseStart int64 // monotonic ns
	switchAt   int64
	// Read/write-family calls per process at the last look.
	lastIO map[int32]uint64

	// For scrapes: progress so far as float64 bits, and when the current
	// untraced phase began (0 while tracing, or when nothing is traced), so
	// the ratio includes untraced progress up to the moment it is read.
	tracedBits, totalBits, overheadBits atomic.Uint64
	offSince                            atomic.Int64
	ioRatioBits                         atomic.Uint64 // NaN until enough calls
}

// newGovernor is the governor for Config.MaxOverhead.
func (t *Tracer) newGovernor(budget float64) governor {
	if budget <= 0 {
		return noGovernor{}
	}
	return &dutyCycle{
		ledger:  ledger{budget: budget},
		tab:     &t.tab,
		leaving: &t.detach,
		fs:      t.fs,
		ring:    t.bell.ring,
		log:     t.log,
		tracing: true,
	}
}

func (g *dutyCycle) start(now int64) {
	g.started = true
	g.tracing = true
	g.window = firstWindow
	g.phaseStart = now
	g.switchAt = now + int64(g.window)
	g.minRun = math.MaxInt64
	g.lastIO = make(map[int32]uint64)
	g.ioRatioBits.Store(math.Float64bits(math.NaN()))
}

func (g *dutyCycle) stopped(th *thread, now int64) {
	if !g.started {
		if !th.counting {
			return
		}
		g.start(now)
		g.countAllIO(false) // baselines
	}
	if th.proc.ioPending {
		// The first stop of the process since tracing resumed: its
		// untraced phase ends here, not when we asked it to stop.
		th.proc.ioPending = false
		g.countIO(th.proc.pid, false)
	}
	w := &th.win
	if w.resumedAt == 0 {
		return
	}
	run := now - w.resumedAt
	if run < g.minRun {
		g.minRun = run
	}
	w.runNs += run
	w.stops++
}

func (g *dutyCycle) tick(now int64) {
	if !g.started || now < g.switchAt || g.leaving.active {
		return
	}
	length := float64(now - g.phaseStart)
	if !g.tracing {
		for _, p := range g.tab.procs {
			p.ioPending = true
		}
		g.closeUntraced(length)
		g.publish()
		g.offSince.Store(0)
		g.trace(now)
		return
	}
	g.countAllIO(true)
	rt := roundTrip(g.minRun)
	stopped := 0.0 // the busiest thread's stopped fraction
	for _, th := range g.tab.byTID {
		w := &th.win
		if w.stops > 0 {
			if f := threadStopped(w.runNs, w.stops, rt, length); f > stopped {
				stopped = f
			}
		}
		w.runNs, w.stops = 0, 0
	}
	g.minRun = math.MaxInt64
	pause, off, overhead := g.closeTraced(length, stopped)
	g.publish()
	g.overheadBits.Store(math.Float64bits(overhead))
	if !pause {
		g.phaseStart, g.switchAt = now, now+int64(g.window)
		return
	}
	g.tracing = false
	g.phaseStart, g.switchAt = now, now+int64(off)
	g.offSince.Store(now)
	time.AfterFunc(off, g.ring)
}

func (g *dutyCycle) untraced(th *thread) bool {
	cont := !g.tracing && !th.inSyscall
	if cont {
		th.win.paused = true
	}
	th.win.resumedAt = monoNow()
	return cont
}

func (g *dutyCycle) exiting(th *thread) {
	if g.started && th.proc.threads == 1 {
		// The process's last look at its I/O call count.
		g.countIO(th.proc.pid, g.tracing)
	}
}

// idle closes the books when the last tracee is gone: untraced time with
// nothing running is nobody's progress.
func (g *dutyCycle) idle() {
	if !g.tracing {
		now := monoNow()
		g.closeIdle(float64(now - g.phaseStart))
		g.offSince.Store(0)
		g.publish()
		g.trace(now)
	}
}

func (g *dutyCycle) needsExitStops() bool { return true }

func (g *dutyCycle) samplingRatio() float64 {
	io := math.Float64frombits(g.ioRatioBits.Load())
	if !math.IsNaN(io) {
		return io
	}
	traced := math.Float64frombits(g.tracedBits.Load())
	total := math.Float64frombits(g.totalBits.Load())
	if off := g.offSince.Load(); off != 0 {
		total += float64(monoNow() - off)
	}
	return samplingRatio(io, traced, total)
}

func (g *dutyCycle) overheadRatio() float64 {
	return math.Float64frombits(g.overheadBits.Load())
}

// trace opens a traced window: threads resumed with PTRACE_CONT are
// interrupted, and their next stop resumes them with PTRACE_SYSCALL.
func (g *dutyCycle) trace(now int64) {
	g.tracing = true
	g.phaseStart, g.switchAt = now, now+int64(g.window)
	g.minRun = math.MaxInt64
	for _, th := range g.tab.byTID {
		if th.win.paused {
			th.win.paused = false
			th.win.resumedAt = 0 // its run time until the interrupt is not ours to count
			if err := interrupt(th.TID); err != nil && err != unix.ESRCH {
				g.log.Debug("interrupt to resume tracing failed", "tid", th.TID, "err", err)
			}
		}
	}
}

// countIO adds what process pid's read/write-family count moved since the
// last look to the phase now ending (traced or not).
func (g *dutyCycle) countIO(pid int32, traced bool) {
	n, ok := g.fs.IOCalls(pid)
	if !ok {
		return
	}
	last, seen := g.lastIO[pid]
	g.addIO(last, seen, n, traced)
	g.lastIO[pid] = n
	if r := g.ioShare(); !math.IsNaN(r) {
		g.ioRatioBits.Store(math.Float64bits(r))
	}
}

// countAllIO closes the phase for every traced process.
func (g *dutyCycle) countAllIO(traced bool) {
	for pid := range g.tab.procs {
		g.countIO(pid, traced)
	}
	for pid := range g.lastIO {
		if g.tab.procs[pid] == nil {
			delete(g.lastIO, pid)
		}
	}
}

func (g *dutyCycle) publish() {
	g.tracedBits.Store(math.Float64bits(g.tracedProgress))
	g.totalBits.Store(math.Float64bits(g.totalProgress))
}

// SamplingRatio is the fraction of the targets' progress that was traced:
// 1 without the governor. Counters are raw observations; true rates are
// rate(counter) / SamplingRatio. Safe from any goroutine.
func (t *Tracer) SamplingRatio() float64 { return t.gov.samplingRatio() }

// OverheadRatio estimates the fraction of the targets' time spent stopped
// by the tracer, averaged over the last cycle; NaN before one completes,
// and without the governor. Safe from any goroutine.
func (t *Tracer) OverheadRatio() float64 { return t.gov.overheadRatio() }
