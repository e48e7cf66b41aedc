package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/proc"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

type thread struct {
	// The thread and its names, as the consumer sees them.
	backend.Thread
	proc *process
	slot backend.Slot

	inSyscall bool
	arch      syscalls.Arch
	nr        uint32
	args      [6]uint64
	entryNs   int64
	// execName: the name the exec call in flight gives, if it succeeds.
	execName execName
	// entryCapture: what the entry stop of the call in flight read for
	// its span text (details.go), or nil.
	entryCapture *decode.Capture
	// ring: its last calls (--flight-recorder); lastCoreSignal: the last
	// signal delivered to it that dumps core if it kills (crash.go).
	ring           callRing
	lastCoreSignal unix.Signal
	// interrupted: calls a signal interrupted, until their outcome is known.
	interrupted interruptedCalls

	// counting is false for a launched command until its execve, so the
	// calls its child makes before it are not counted (strace -c does the
	// same).
	counting  bool
	detaching bool
	// seccomp: the thread runs under our seccomp filter, so it is resumed
	// with PTRACE_CONT and stops only at the calls the filter traces.
	seccomp bool

	win threadWindow // its part in the governor's window
}

type process struct {
	pid     int32
	threads int
	// What its threads inherit when a new thread's first stop comes
	// before the event that names its parent.
	counting, seccomp bool
	// ioPending: the governor reads its I/O call count at its next stop.
	ioPending bool
	// commFDs maps descriptors the process opened for writing on a
	// .../comm file to the thread they rename.
	commFDs map[int32]int32
	// crashed: its death by a signal that dumps core was reported.
	crashed bool
}

// threadTable is every thread and process the tracer follows. It belongs
// to the tracer goroutine, but for traced, which any goroutine may read.
type threadTable struct {
	byTID map[int32]*thread
	// recent caches threads by TID, direct-mapped: most stops come from a
	// few threads, and a hit costs a compare where the map costs a hash.
	recent [64]*thread
	procs  map[int32]*process
	traced backend.TracedSet
}

func (tab *threadTable) init() {
	tab.byTID = make(map[int32]*thread)
	tab.procs = make(map[int32]*process)
}

// lookup finds the thread tid, or nil.
func (tab *threadTable) lookup(tid int32) *thread {
	slot := &tab.recent[uint32(tid)%uint32(len(tab.recent))]
	if th := *slot; th != nil && th.TID == tid {
		return th
	}
	th := tab.byTID[tid]
	*slot = th
	return th
}

// forget drops th from the lookup cache.
func (tab *threadTable) forget(th *thread) {
	if slot := &tab.recent[uint32(th.TID)%uint32(len(tab.recent))]; *slot == th {
		*slot = nil
	}
}

// origin is how the tracer came to follow a thread, which decides what it
// must ask /proc about it.
type origin int

const (
	found    origin = iota // attached, or its first stop came before its creator's event
	forked                 // a fork or vfork event: a new process, its own leader
	cloned                 // a clone event: mostly a thread of its creator's process
	launched               // our own child, seized before it ran
)

func originOf(event int) origin {
	if event == unix.PTRACE_EVENT_CLONE {
		return cloned
	}
	return forked
}

// newThread starts following tid. maker is the thread whose clone/fork
// event announced it, or nil.
func (t *Tracer) newThread(tid int32, maker *thread, how origin) *thread {
	st, err := t.statusOf(tid, maker, how)
	if maker != nil && (err != nil || st.TracerPid != t.tid) {
		// The clone/fork event was handled after the new thread's own stops
		// and its exit, which wait4 can report first: it is reaped and
		// gone (TracerPid names the tracing thread). Tracking it would
		// leave a tracee that never reports again.
		return nil
	}
	if err != nil {
		// Gone already; its exit comes through wait4. Track it anyway so
		// the exit is matched.
		st.Tgid = tid
	}
	p := t.tab.procs[st.Tgid]
	inherits := maker
	if maker == nil && err == nil {
		// No event named the maker (yet): the thread's own process, or
		// for a new process its parent process, knows what it inherits.
		from := p
		if from == nil {
			from = t.tab.procs[st.PPid]
		}
		if from != nil {
			inherits = &thread{counting: from.counting, seccomp: from.seccomp, detaching: t.detach.active}
		}
	}
	if p == nil {
		p = &process{pid: st.Tgid, counting: true}
		if inherits != nil {
			p.counting, p.seccomp = inherits.counting, inherits.seccomp
		}
		t.addProcess(p)
	}
	p.threads++
	th := &thread{Thread: backend.Thread{TID: tid, PID: p.pid}, proc: p, counting: true}
	if inherits != nil {
		th.counting = inherits.counting
		th.seccomp = inherits.seccomp
		th.detaching = inherits.detaching
	} else if t.detach.active {
		th.detaching = true
	}
	t.nameNewThread(th, maker, how)
	t.startRecording(th)
	th.slot = t.cfg.Consumer.ThreadStarted(&th.Thread)
	t.tab.byTID[tid] = th
	t.stats.Tracees.Add(1)
	return th
}

// statusOf is what newThread needs to know of tid. /proc/TID/status has it
// all, but the kernel formats some fifty lines for it, a cost on every
// fork of a traced shell (docs/performance.md, "New threads"). A thread
// announced by an event is mostly known without it.
func (t *Tracer) statusOf(tid int32, maker *thread, how origin) (proc.Status, error) {
	switch how {
	case launched:
		return proc.Status{Tgid: tid, TracerPid: t.tid}, nil
	case forked:
		if !ourTracee(tid) {
			return proc.Status{}, unix.ESRCH
		}
		return proc.Status{Tgid: tid, TracerPid: t.tid}, nil
	case cloned:
		// A clone without CLONE_THREAD makes a process; that, and a thread
		// gone already, take the slow way.
		if t.fs.HasTask(maker.proc.pid, tid) {
			return proc.Status{Tgid: maker.proc.pid, TracerPid: t.tid}, nil
		}
	}
	return t.fs.Status(tid)
}

// ourTracee tells whether tid is a tracee of the calling thread that
// wait4 has not reaped yet, without reaping it or taking its stop.
func ourTracee(tid int32) bool {
	var info unix.Siginfo
	return unix.Waitid(unix.P_PID, int(tid), &info, unix.WNOHANG|unix.WNOWAIT|unix.WEXITED|unix.WSTOPPED|unix.WALL|unix.WNOTHREAD, nil) == nil
}

// nameNewThread gives a new thread its names. The kernel gives a new
// thread the name of the thread that made it, and a new process is led by
// it; only a thread found without its maker has its names read.
func (t *Tracer) nameNewThread(th *thread, maker *thread, how origin) {
	switch {
	case how == launched:
		th.Process, th.Name = t.cmd.name, t.cmd.name // taken by the child before it stopped
	case maker != nil && th.PID == maker.PID:
		th.Process, th.Name = maker.Process, maker.Name
	case maker != nil:
		th.Process, th.Name = maker.Name, maker.Name
	default:
		t.readNames(th)
	}
}

// readNames reads a thread's names from /proc.
func (t *Tracer) readNames(th *thread) {
	th.Process = t.fs.Comm(th.PID)
	th.Name = th.Process
	if th.TID != th.PID {
		th.Name = t.fs.ThreadComm(th.PID, th.TID)
	}
}

// addProcess starts counting p among the processes traced.
func (t *Tracer) addProcess(p *process) {
	t.tab.procs[p.pid] = p
	t.tab.traced.Add(p.pid)
	t.stats.Targets.Add(1)
}

// dropThread stops following th, handing over a call it was inside.
func (t *Tracer) dropThread(th *thread) {
	t.tab.forget(th)
	t.releaseInterrupted(th)
	t.flushPending(th)
	t.detailsDone(th)
	t.cfg.Consumer.ThreadExited(&th.Thread, th.slot)
	delete(t.tab.byTID, th.TID)
	t.stats.Tracees.Add(-1)
	p := th.proc
	p.threads--
	if len(t.tab.byTID) == 0 {
		t.gov.idle()
	}
	if p.threads == 0 && t.tab.procs[p.pid] == p {
		delete(t.tab.procs, p.pid)
		t.tab.traced.Remove(p.pid)
		t.stats.Targets.Add(-1)
	}
}

// threadGone handles the exit of tid that wait4 reaped.
func (t *Tracer) threadGone(tid int32, ws unix.WaitStatus) {
	if tid == t.cmd.pid {
		t.cmd.status = ws
		t.cmd.done = true
		t.cmd.plan = nil
	}
	if th := t.tab.byTID[tid]; th != nil {
		if ws.Signaled() {
			t.noteDeath(th, ws.Signal())
		}
		t.dropThread(th)
	}
}

// Traced reports whether the tracer follows process pid now.
func (t *Tracer) Traced(pid int) bool { return t.tab.traced.Has(int32(pid)) }
