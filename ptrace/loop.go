package ptrace

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// stopTimingEvery: Stops is published and StopNanos timed on every 8th
// stop (times 8), as both cost about half a percent of a stop right after
// wait4. Scrapes see up to 7 stops late; the time estimate is unbiased.
// Measured: docs/performance.md, "Stop statistics".
const stopTimingEvery = 8

// stopStats are the tracer's own counters of its stops, safe to read from
// any goroutine.
type stopStats struct {
	stops     atomic.Uint64 // every wait4 stop handled
	stopNanos atomic.Uint64 // time spent handling them, wait4 excluded; sampled, see stopTimingEvery
}

// stopScratch is what the stop path fills per stop: fields of the Tracer,
// so that nothing escapes or is allocated per stop.
type stopScratch struct {
	info syscallInfo  // filled by GET_SYSCALL_INFO
	call backend.Call // handed to the consumer
	// batch holds the stops one wait4 round reported (drainPending).
	batch [32]waited
}

// waited is what one wait4 reported.
type waited struct {
	tid int32
	ws  unix.WaitStatus
}

func (t *Tracer) run() {
	runtime.LockOSThread()
	// Never unlocked: if this goroutine ends, its thread ends, and the
	// kernel detaches whatever is still traced.
	t.tid = int32(unix.Gettid())
	t.drain = cpusAllowed() > 1
	defer t.closeDone()
	if err := sigchldDiscarded(); err != nil {
		t.log.Warn("cannot reset SIGCHLD to its default action; every stop and exit will cost a signal", "err", err)
	}
	if err := t.startDoorbell(); err != nil {
		t.started <- err
		return
	}
	t.useRegs = !syscallInfoFeature.available(t.log, t.probeSyscallInfo)
	t.started <- nil
	t.loop()
	t.stopStats.stops.Add(t.stops % stopTimingEvery)
	reap(t.bell.kill())
	t.mu.Lock()
	t.exitCode = t.cmd.status
	t.mu.Unlock()
}

func (t *Tracer) loop() {
	for !t.finished() {
		var ws unix.WaitStatus
		// WNOTHREAD: only this thread's tracees and children. Without it
		// wait4 also reaps children other goroutines started (their exit
		// statuses lost to them), and another Tracer's tracees.
		wpid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOTHREAD, nil)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			t.log.Error("wait4 failed; tracer stops", "err", err)
			return
		}
		batch := &t.scratch.batch
		batch[0] = waited{int32(wpid), ws}
		n := 1
		if t.drain {
			n = t.drainPending(n)
		}
		var start int64
		for i := 0; i < n; i++ {
			start = monoNow()
			t.handle(batch[i].tid, batch[i].ws, start)
			t.stops++
			if t.stops%stopTimingEvery == 0 {
				t.stopStats.stops.Add(stopTimingEvery)
				t.stopStats.stopNanos.Add(stopTimingEvery * uint64(monoNow()-start))
			}
			t.gov.tick(start)
		}
		if t.yield.due(start) {
			// A busy tracer takes requests here too: the doorbell is heard
			// only once it has been scheduled, behind the tracees.
			t.serveRequests()
			runtime.Gosched()
		}
	}
}

// finished says whether the loop is over: the launched command and all
// its descendants are gone, or a detach let every tracee go (or gave up).
func (t *Tracer) finished() bool {
	if t.detach.active {
		return len(t.tab.byTID) == 0 || t.detach.overdue()
	}
	return t.cmd.pid != 0 && t.cmd.done && len(t.tab.byTID) == 0
}

// drainPending adds to the batch, after its first n entries, every stop
// and exit already waiting, as strace does, and returns the new count.
// Tracees on other CPUs stop while the tracer handles one, and a ptrace
// request to one still switching out spins in the kernel; taking the
// waiting stops first gives each time to settle. On one CPU none can be
// waiting, and the extra wait4 costs: so only a tracer free to run on more
// than one CPU drains (Tracer.run). Measured: docs/performance.md,
// "Draining waiting stops".
func (t *Tracer) drainPending(n int) int {
	batch := &t.scratch.batch
	for n < len(batch) {
		var ws unix.WaitStatus
		const anyChild = ^uintptr(0) // -1
		r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, anyChild, uintptr(unsafe.Pointer(&ws)), unix.WALL|unix.WNOTHREAD|unix.WNOHANG, 0, 0, 0)
		if e != 0 || r == 0 {
			break
		}
		batch[n] = waited{int32(r), ws}
		n++
	}
	return n
}

// cpusAllowed is how many CPUs the calling thread may run on.
func cpusAllowed() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 1
	}
	return set.Count()
}

// handle dispatches one wait4 report by its kind of stop.
func (t *Tracer) handle(tid int32, ws unix.WaitStatus, now int64) {
	if tid == t.bell.pid.Load() {
		t.handleDoorbell(ws)
		return
	}
	if ws.Exited() || ws.Signaled() {
		t.threadGone(tid, ws)
		return
	}
	if !ws.Stopped() {
		return
	}
	status := uint32(ws)
	sig := int((status >> 8) & 0xff)
	event := int(status >> 16)
	th := t.tab.lookup(tid)
	if th == nil {
		// An auto-attached child whose first stop beat its parent's event.
		th = t.newThread(tid, nil, found)
		if th == nil {
			return
		}
	}
	if th.detaching {
		t.detachStopped(th, sig, event)
		return
	}
	t.gov.stopped(th, now)
	switch {
	case sig == syscallTrap:
		t.syscallStop(th, now)
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_STOP:
		if isStopSignal(sig) {
			// A group-stop: stay stopped, as untraced, but keep seeing
			// events (SIGCONT) — PTRACE_LISTEN.
			if err := listen(tid); err != nil && err != unix.ESRCH {
				t.resume(th, 0)
			}
			return
		}
		t.resume(th, 0)
	case isNewChildEvent(event):
		t.newChildStop(th, event)
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_SECCOMP:
		t.syscallStop(th, now)
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_EXEC:
		t.execStop(th)
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_EXIT:
		t.gov.exiting(th)
		t.flushPending(th)
		t.resume(th, 0)
	case event == 0:
		// signal-delivery-stop: always re-inject, at once (a reaped but
		// unresumed signal stop loses the signal if we die).
		noteSignal(th, sig)
		t.resume(th, sig)
	default:
		t.resume(th, 0)
	}
}

func isStopSignal(sig int) bool {
	switch unix.Signal(sig) {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return true
	}
	return false
}

func isNewChildEvent(event int) bool {
	return event == unix.PTRACE_EVENT_CLONE || event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK
}

// newChildStop handles a clone, fork or vfork event of th: the child is
// traced already, and follows th's filter and counting.
func (t *Tracer) newChildStop(th *thread, event int) {
	msg, err := eventMsg(th.TID)
	if err != nil {
		return
	}
	if child := t.tab.byTID[int32(msg)]; child == nil {
		t.newThread(int32(msg), th, originOf(event))
	} else {
		// Its first stop came before this event, when we could not
		// know its parent: inherit now, or a seccomp-filtered child
		// would stop at every call.
		child.counting, child.seccomp = th.counting, th.seccomp
	}
}

func monoNow() int64 { return backend.Now() }
