// Package ptrace is the ptrace(2) backend: it follows processes and their
// threads, stopping them at every syscall, and hands each call to a
// backend.Consumer. It needs only CAP_SYS_PTRACE.
package ptrace

import (
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/proc"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

const baseOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACECLONE |
	unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEEXIT

// Config sets up a Tracer.
type Config struct {
	Consumer backend.Consumer
	Logger   *slog.Logger
	// Proc is the /proc the tracer reads names and threads from; the zero
	// FS means proc.Default.
	Proc proc.FS
	// Filter, if set, selects the syscalls handed to the Consumer. A
	// launched command gets it as a seccomp filter, so the others never
	// stop; attached processes still stop on every call, and the others
	// are dropped here.
	Filter *syscalls.Filter
	// MaxOverhead, if above 0, is the fraction of the targets' time the
	// tracer may keep them stopped; the governor duty-cycles to hold it.
	MaxOverhead float64
}

// stopTimingEvery: Stops is published and StopNanos timed on every 8th
// stop (times 8). Right after wait4 returns, a locked add cost as much as
// the map lookup of the thread, and a second clock read about 20 ns: each
// about half a percent of a stop. Scrapes see up to 7 stops late; the
// time estimate is unbiased.
const stopTimingEvery = 8

// stopStats are the tracer's own counters of its stops, safe to read from
// any goroutine.
type stopStats struct {
	stops     atomic.Uint64 // every wait4 stop handled
	stopNanos atomic.Uint64 // time spent handling them, wait4 excluded; sampled, see stopTimingEvery
}

// Tracer owns every ptrace request. All of them come from one goroutine
// locked to its OS thread: the kernel accepts requests only from the
// thread that attached.
type Tracer struct {
	cfg   Config
	log   *slog.Logger
	fs    proc.FS
	stats backend.Stats
	stopStats

	reqs    chan *request
	started chan error
	done    chan struct{}

	// Everything below belongs to the tracer goroutine.
	threads map[int32]*thread
	// recent caches threads by TID, direct-mapped: most stops come from a
	// few threads, and a hit costs a compare where the map costs a hash.
	recent   [64]*thread
	stops    uint64 // stops handled; Stats.Stops lags by up to stopTimingEvery
	procs    map[int32]*process
	info     syscallInfo  // filled by GET_SYSCALL_INFO; a field so it never escapes per stop
	call     backend.Call // handed to the consumer; a field for the same reason
	useRegs  bool         // kernel without PTRACE_GET_SYSCALL_INFO
	filtered bool
	selected [syscalls.NumIndexes]syscalls.Bitmap
	gov      governor
	yield    yielder
	// batch holds the stops one wait4 round reported; drain: take every
	// stop already waiting before handling the first (drainPending).
	batch [32]waited
	// An exec'ing thread's path, read at the exec's entry (execname.go).
	pathBuf   [4096]byte
	localIov  [1]unix.Iovec
	remoteIov [2]unix.RemoteIovec
	drain     bool
	doorbell  int32
	traced    tracedSet

	launchPid    int32
	launchName   string // the launched command's name (commOfPath)
	launchStatus unix.WaitStatus
	launchDone   bool
	launchPlan   *childPlan // until the launch child's execve: it may share our memory
	detaching    bool
	detachStart  time.Time
	tid          int32 // the tracer thread
	releasing    bool  // ending the thread detaches the tracees (release.go)

	mu       sync.Mutex
	exitCode unix.WaitStatus
}

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

	// counting is false for a launched command until its execve, so the
	// calls its child makes before it are not counted (strace -c does the
	// same).
	counting  bool
	detaching bool
	// seccomp: the thread runs under our seccomp filter, so it is resumed
	// with PTRACE_CONT and stops only at the calls the filter traces.
	seccomp bool

	// For the governor: paused means resumed with PTRACE_CONT in an
	// untraced window; runNs sums its resume-to-stop intervals this window.
	paused           bool
	resumedAt, runNs int64
	windowStops      int
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
}

type requestKind int

const (
	reqAttach requestKind = iota
	reqLaunch
	reqDetachAll
	reqSignalLaunched
)

type request struct {
	kind  requestKind
	pid   int32
	path  string
	argv  []string
	env   []string
	sig   syscall.Signal
	reply chan error
}

var _ backend.Backend = (*Tracer)(nil)

// New returns a tracer; Start runs it.
func New(cfg Config) *Tracer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Proc.Root() == "" {
		cfg.Proc = proc.Default
	}
	t := &Tracer{
		cfg:     cfg,
		log:     cfg.Logger,
		fs:      cfg.Proc,
		reqs:    make(chan *request, 16),
		started: make(chan error, 1),
		done:    make(chan struct{}),
		threads: make(map[int32]*thread),
		procs:   make(map[int32]*process),
	}
	if cfg.MaxOverhead > 0 {
		t.gov.budget = cfg.MaxOverhead
		t.gov.tracing = true
	}
	if cfg.Filter != nil {
		t.filtered = true
		for _, arch := range syscalls.Arches {
			t.selected[arch.Index()] = cfg.Filter.Bitmap(arch)
		}
		t.selected[syscalls.NumIndexes-1] = cfg.Filter.Bitmap(0)
	}
	return t
}

// wanted reports whether the consumer wants this call.
func (t *Tracer) wanted(th *thread) bool {
	return th.counting && (!t.filtered || t.selected[th.arch.Index()].Has(th.nr))
}

// Start runs the tracer goroutine and returns once it can take requests.
func (t *Tracer) Start() error {
	go t.run()
	return <-t.started
}

// Done is closed when the tracer has stopped: the launched command and
// all its descendants have exited, or DetachAll finished.
func (t *Tracer) Done() <-chan struct{} { return t.done }

// LaunchStatus is the wait status of the launched command, valid after Done.
func (t *Tracer) LaunchStatus() syscall.WaitStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return syscall.WaitStatus(t.exitCode)
}

// Attach seizes every thread of pid. The error is a *backend.AttachError.
func (t *Tracer) Attach(pid int) error {
	return t.submit(&request{kind: reqAttach, pid: int32(pid)})
}

// Launch starts argv[0] (already resolved to path) traced, with EXITKILL:
// the command dies with the exporter, as it would with strace.
func (t *Tracer) Launch(path string, argv, env []string) error {
	return t.submit(&request{kind: reqLaunch, path: path, argv: argv, env: env})
}

// DetachAll lets every tracee go and stops the tracer. Tracees inside a
// syscall are interrupted and detached too; they carry on untraced.
func (t *Tracer) DetachAll() error {
	return t.submit(&request{kind: reqDetachAll})
}

// SignalLaunched forwards sig to the launched command.
func (t *Tracer) SignalLaunched(sig syscall.Signal) error {
	return t.submit(&request{kind: reqSignalLaunched, sig: sig})
}

func (t *Tracer) submit(r *request) error {
	r.reply = make(chan error, 1)
	select {
	case <-t.done:
		return errTracerStopped
	case t.reqs <- r:
	}
	t.ring()
	select {
	case err := <-r.reply:
		return err
	case <-t.done:
		select {
		case err := <-r.reply:
			return err
		default:
			return errTracerStopped
		}
	}
}

var errTracerStopped = errors.New("tracer stopped")

// ring wakes the tracer goroutine out of wait4: a signal to the doorbell,
// a traced child of ours, is reported to it as a stop.
func (t *Tracer) ring() {
	if pid := atomic.LoadInt32(&t.doorbell); pid > 0 {
		unix.Tgkill(int(pid), int(pid), unix.SIGUSR1)
	}
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
	t.started <- nil
	t.loop()
	t.stopStats.stops.Add(t.stops % stopTimingEvery)
	reap(t.killDoorbell())
	t.mu.Lock()
	t.exitCode = t.launchStatus
	t.mu.Unlock()
}

func (t *Tracer) finished() bool {
	if t.detaching {
		return len(t.threads) == 0 || time.Since(t.detachStart) > detachGiveUp
	}
	return t.launchPid != 0 && t.launchDone && len(t.threads) == 0
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
		t.batch[0] = waited{int32(wpid), ws}
		n := 1
		if t.drain {
			n = t.drainPending(n)
		}
		var start int64
		for i := 0; i < n; i++ {
			start = monoNow()
			t.handle(t.batch[i].tid, t.batch[i].ws, start)
			t.stops++
			if t.stops%stopTimingEvery == 0 {
				t.stopStats.stops.Add(stopTimingEvery)
				t.stopStats.stopNanos.Add(stopTimingEvery * uint64(monoNow()-start))
			}
			if t.gov.enabled() {
				t.govTick(start)
			}
		}
		if t.yield.due(start) {
			// A busy tracer takes requests here too: the doorbell is heard
			// only once it has been scheduled, behind the tracees.
			t.serveRequests()
			runtime.Gosched()
		}
	}
}

// waited is what one wait4 reported.
type waited struct {
	tid int32
	ws  unix.WaitStatus
}

// drainPending adds to t.batch, after its first n entries, every stop and
// exit already waiting, as strace does, and returns the new count.
//
// When tracees run on other CPUs than the tracer, several stop while it
// handles one, and a tracee that has just woken the tracer may still be
// switching out on its CPU: a ptrace request then spins in the kernel
// until it is off (wait_task_inactive, 17% of the tracer's samples on 8
// threads unpinned). Taking the waiting stops first gives each time to
// settle: 8 threads on 2 CPUs, 6.02 → 4.86 s (medians of 6, interleaved;
// strace -f -c 4.62, the C floor 5.06). On one CPU no other stop can be
// waiting (a tracee runs only while the tracer does not), and the extra
// wait4 cost 8% on the same program pinned: so only a tracer free to run
// on more than one CPU drains (Tracer.run).
func (t *Tracer) drainPending(n int) int {
	for n < len(t.batch) {
		var ws unix.WaitStatus
		const anyChild = ^uintptr(0) // -1
		r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, anyChild, uintptr(unsafe.Pointer(&ws)), unix.WALL|unix.WNOTHREAD|unix.WNOHANG, 0, 0, 0)
		if e != 0 || r == 0 {
			break
		}
		t.batch[n] = waited{int32(r), ws}
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

func (t *Tracer) handle(tid int32, ws unix.WaitStatus, now int64) {
	if tid == t.doorbell {
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
	th := t.lookup(tid)
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
	if t.gov.enabled() {
		t.govStop(th, now)
	}
	switch {
	case sig == int(unix.SIGTRAP)|0x80:
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
	case event == unix.PTRACE_EVENT_CLONE || event == unix.PTRACE_EVENT_FORK || event == unix.PTRACE_EVENT_VFORK:
		if msg, err := eventMsg(tid); err == nil {
			if child := t.threads[int32(msg)]; child == nil {
				t.newThread(int32(msg), th, originOf(event))
			} else {
				// Its first stop came before this event, when we could not
				// know its parent: inherit now, or a seccomp-filtered child
				// would stop at every call.
				child.counting, child.seccomp = th.counting, th.seccomp
			}
		}
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_SECCOMP:
		t.syscallStop(th, now)
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_EXEC:
		th.counting, th.proc.counting = true, true // also when the filter hides execve itself
		if p := t.launchPlan; p != nil && tid == t.launchPid {
			// The command starts with the mask we had; its child blocked
			// every signal until now.
			if err := setSigmask(tid, p.oldMask); err != nil && err != unix.ESRCH {
				t.log.Warn("cannot restore the launched command's signal mask", "err", err)
			}
			t.launchPlan = nil
		}
		t.execStop(th)
		t.resume(th, 0)
	case event == unix.PTRACE_EVENT_EXIT:
		if t.gov.started && th.proc.threads == 1 {
			// The process's last look at its I/O call count.
			t.gov.countIO(t.fs, th.proc.pid, t.gov.tracing)
		}
		t.flushPending(th)
		t.resume(th, 0)
	case event == 0:
		// signal-delivery-stop: always re-inject, at once (a reaped but
		// unresumed signal stop loses the signal if we die).
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

func (t *Tracer) resume(th *thread, sig int) {
	resume := resumeSyscall
	if th.seccomp && !th.inSyscall {
		resume = resumeCont // the filter stops it at the next traced call
	} else if t.gov.enabled() {
		// A call in flight still gets its exit stop; after it, an
		// untraced window lets the thread run without stops.
		if !t.gov.tracing && !th.inSyscall {
			resume = resumeCont
			th.paused = true
		}
		th.resumedAt = monoNow()
	}
	if err := resume(th.TID, sig); err != nil && err != unix.ESRCH {
		t.log.Debug("resume failed", "tid", th.TID, "err", err)
	}
	// ESRCH: the tracee died meanwhile; wait4 reports it.
}

func (t *Tracer) syscallStop(th *thread, now int64) {
	info := &t.info
	if t.useRegs {
		if !t.regsInfo(th, info) {
			return
		}
	} else if err := getSyscallInfo(th.TID, info); err != nil {
		if err == unix.EIO && !t.useRegs {
			t.log.Info("kernel lacks PTRACE_GET_SYSCALL_INFO; reading registers instead")
			t.useRegs = true
			t.regsInfo(th, info)
		} else {
			return
		}
	}
	switch info.Op {
	case syscallInfoEntry, syscallInfoSeccomp:
		th.inSyscall = true
		th.arch = syscalls.Arch(info.Arch)
		th.nr = uint32(info.Data[0])
		copy(th.args[:], info.Data[1:7])
		th.entryNs = now
		if w := &watched[th.arch.Index()]; w.isExec(th.nr) {
			th.counting, th.proc.counting = true, true
			t.noteExecName(th, w)
		} else if w.isExit(th.nr) {
			t.skipExitStop(th)
		}
		if t.wanted(th) {
			c := &t.call
			c.Thread, c.Arch, c.Nr, c.Args = &th.Thread, th.arch, th.nr, th.args
			c.Ret, c.Errno, c.Entry, c.Exit, c.Slot = 0, 0, now, 0, th.slot
			t.cfg.Consumer.SyscallEntered(c)
		}
	case syscallInfoExit:
		if !th.inSyscall {
			// The first stop after attaching to a thread inside a syscall.
			return
		}
		th.inSyscall = false
		rval := int64(info.Data[0])
		if !t.wanted(th) {
			if info.Data[1]&0xff == 0 {
				t.afterSuccess(th, rval)
			}
			return
		}
		c := &t.call
		c.Thread, c.Arch, c.Nr, c.Args = &th.Thread, th.arch, th.nr, th.args
		c.Ret, c.Entry, c.Exit, c.Slot = rval, th.entryNs, now, th.slot
		c.Errno = 0
		if info.Data[1]&0xff != 0 && rval < 0 && rval >= -4095 {
			c.Errno = uint16(-rval)
		}
		t.cfg.Consumer.SyscallExited(c)
		if c.Errno == 0 {
			t.afterSuccess(th, rval)
		}
	}
}

// flushPending hands over a call that will never see its exit stop
// (exit, exit_group, a thread killed or detached inside a call): it was
// entered, so it counts, like strace -c.
func (t *Tracer) flushPending(th *thread) {
	if !th.inSyscall {
		return
	}
	th.inSyscall = false
	if !t.wanted(th) {
		return
	}
	c := &t.call
	c.Thread, c.Arch, c.Nr, c.Args = &th.Thread, th.arch, th.nr, th.args
	c.Ret, c.Errno, c.Entry, c.Exit, c.Slot = 0, 0, th.entryNs, 0, th.slot
	t.cfg.Consumer.SyscallExited(c)
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
	p := t.procs[st.Tgid]
	inherits := maker
	if maker == nil && err == nil {
		// No event named the maker (yet): the thread's own process, or
		// for a new process its parent process, knows what it inherits.
		from := p
		if from == nil {
			from = t.procs[st.PPid]
		}
		if from != nil {
			inherits = &thread{counting: from.counting, seccomp: from.seccomp, detaching: t.detaching}
		}
	}
	if p == nil {
		p = &process{pid: st.Tgid, counting: true}
		if inherits != nil {
			p.counting, p.seccomp = inherits.counting, inherits.seccomp
		}
		t.procs[st.Tgid] = p
		t.traced.add(st.Tgid)
		t.stats.Targets.Add(1)
	}
	p.threads++
	th := &thread{Thread: backend.Thread{TID: tid, PID: p.pid}, proc: p, counting: true}
	if inherits != nil {
		th.counting = inherits.counting
		th.seccomp = inherits.seccomp
		th.detaching = inherits.detaching
	} else if t.detaching {
		th.detaching = true
	}
	t.nameNewThread(th, maker, how)
	th.slot = t.cfg.Consumer.ThreadStarted(&th.Thread)
	t.threads[tid] = th
	t.stats.Tracees.Add(1)
	return th
}

// nameNewThread gives a new thread its names. The kernel gives a new
// thread the name of the thread that made it, and a new process is led by
// it; only a thread found without its maker has its names read.
func (t *Tracer) nameNewThread(th *thread, maker *thread, how origin) {
	switch {
	case how == launched:
		th.Process, th.Name = t.launchName, t.launchName // taken by the child before it stopped
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

// lookup finds the thread tid, or nil.
func (t *Tracer) lookup(tid int32) *thread {
	slot := &t.recent[uint32(tid)%uint32(len(t.recent))]
	if th := *slot; th != nil && th.TID == tid {
		return th
	}
	th := t.threads[tid]
	*slot = th
	return th
}

func (t *Tracer) dropThread(th *thread) {
	if slot := &t.recent[uint32(th.TID)%uint32(len(t.recent))]; *slot == th {
		*slot = nil
	}
	t.flushPending(th)
	t.cfg.Consumer.ThreadExited(&th.Thread, th.slot)
	delete(t.threads, th.TID)
	t.stats.Tracees.Add(-1)
	p := th.proc
	p.threads--
	if len(t.threads) == 0 && t.gov.enabled() {
		t.govIdle(monoNow())
	}
	if p.threads == 0 && t.procs[p.pid] == p {
		delete(t.procs, p.pid)
		t.traced.remove(p.pid)
		t.stats.Targets.Add(-1)
	}
}

func (t *Tracer) threadGone(tid int32, ws unix.WaitStatus) {
	if tid == t.launchPid {
		t.launchStatus = ws
		t.launchDone = true
		t.launchPlan = nil
	}
	if th := t.threads[tid]; th != nil {
		t.dropThread(th)
	}
}

// execStop handles PTRACE_EVENT_EXEC. A non-leader thread that execs takes
// over the leader's TID; the old leader vanishes without an exit report.
func (t *Tracer) execStop(th *thread) {
	// Only a process with another thread we follow can have exec'd from
	// a thread other than th; most have one, and skip the request.
	if th.proc.threads == 1 {
		t.renameAfterExec(th)
		return
	}
	msg, err := eventMsg(th.TID)
	if err == nil && int32(msg) != th.TID {
		former := t.threads[int32(msg)]
		if former != nil {
			// th is the old leader's entry: the exec'ing thread now owns
			// its TID. Drop the leader, move the exec'ing thread's state.
			leaderTID := th.TID
			t.dropThread(th)
			delete(t.threads, former.TID)
			former.TID = leaderTID
			t.threads[leaderTID] = former
			th = former
			if t.procs[th.proc.pid] == nil {
				t.procs[th.proc.pid] = th.proc
				t.traced.add(th.proc.pid)
				t.stats.Targets.Add(1)
			}
		}
	}
	t.renameAfterExec(th)
}

// renameAfterExec gives the thread that exec'd its new name: the
// program's, from the path it was exec'd by where the exec entry could
// read it, else from /proc. It leads its process now.
func (t *Tracer) renameAfterExec(th *thread) {
	th.proc.commFDs = nil
	if th.inSyscall && th.execName.ok && watched[th.arch.Index()].isExec(th.nr) {
		th.Process = backend.ValidName(th.execName.String())
	} else {
		th.Process = t.fs.Comm(th.PID)
	}
	th.Name = th.Process
	th.execName.ok = false
	th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
}

// afterSuccess notices renames the thread made: prctl(PR_SET_NAME), or a
// write to a .../comm file it opened. Both are rare; the checks are
// integer compares on every other call.
func (t *Tracer) afterSuccess(th *thread, rval int64) {
	w := &watched[th.arch.Index()]
	switch th.nr {
	case w.prctl:
		if th.args[0] == unix.PR_SET_NAME {
			t.renamed(th.TID, th.proc)
		}
	case w.open, w.openat, w.openat2:
		var flags uint64
		switch th.nr {
		case w.open:
			flags = th.args[1]
		case w.openat:
			flags = th.args[2]
		default:
			// openat2's flags live in a struct in the tracee's memory,
			// which we do not read; check the descriptor instead.
			flags = unix.O_WRONLY
		}
		if flags&unix.O_ACCMODE == unix.O_RDONLY {
			return
		}
		target, ok := t.commFDTarget(th.TID, rval)
		if !ok {
			return
		}
		if th.proc.commFDs == nil {
			th.proc.commFDs = make(map[int32]int32)
		}
		th.proc.commFDs[int32(rval)] = target
	case w.write, w.pwrite64, w.writev:
		if len(th.proc.commFDs) == 0 {
			return
		}
		if target, ok := th.proc.commFDs[int32(th.args[0])]; ok {
			if tt := t.threads[target]; tt != nil {
				t.renamed(target, tt.proc)
			}
		}
	case w.close:
		if len(th.proc.commFDs) != 0 {
			delete(th.proc.commFDs, int32(th.args[0]))
		}
	}
}

// renamed re-reads the names of a renamed thread. The process's name is
// its leader's, so a renamed leader renames every thread of its process.
func (t *Tracer) renamed(tid int32, p *process) {
	if tid != p.pid {
		if th := t.threads[tid]; th != nil {
			t.readNames(th)
			th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
		}
		return
	}
	for _, th := range t.threads {
		if th.proc == p {
			t.readNames(th)
			th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
		}
	}
}

func (t *Tracer) commFDTarget(tid int32, fd int64) (int32, bool) {
	target, ok := t.fs.FDTarget(tid, fd)
	if !ok {
		return 0, false
	}
	return proc.CommFileThread(target)
}

func monoNow() int64 { return backend.Now() }
