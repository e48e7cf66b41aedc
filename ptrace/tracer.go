// Package ptrace is the ptrace(2) backend: it follows processes and their
// threads, stopping them at every syscall, and hands each call to a
// backend.Consumer. It needs only CAP_SYS_PTRACE.
package ptrace

import (
	"errors"
	"log/slog"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/proc"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

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
	// Decode is how much of a tracee's memory is read for the text of a
	// call that becomes a span (--spans.decode); ModeNone, the zero
	// value, reads none. Set it only when spans are on.
	Decode decode.Mode
	// FlightRecorder, if above 0, is how many of its last calls each
	// thread keeps (--flight-recorder).
	FlightRecorder int
	// Crashes, if set, hears of every traced process killed by a signal
	// that dumps core, with its threads' recorded calls.
	Crashes backend.CrashObserver
}

// Tracer owns every ptrace request. All of them come from one goroutine
// locked to its OS thread: the kernel accepts requests only from the
// thread that attached.
type Tracer struct {
	cfg       Config
	log       *slog.Logger
	fs        proc.FS
	stats     backend.Stats
	stopStats stopStats

	// Requests from other goroutines, and what they wait on.
	reqs     chan *request
	started  chan error
	done     chan struct{}
	mu       sync.Mutex
	exitCode unix.WaitStatus // the launched command's, for LaunchStatus

	bell doorbell // rung from any goroutine

	// Everything below belongs to the tracer goroutine, but tab.traced.
	tid     int32  // the tracer thread
	drain   bool   // take every waiting stop first (drainPending)
	useRegs bool   // kernel without PTRACE_GET_SYSCALL_INFO (syscallInfoFeature)
	stops   uint64 // stops handled; StopStats lags by up to stopTimingEvery
	tab     threadTable
	sel     selection   // --syscalls, resolved per arch
	scratch stopScratch // what each stop fills
	path    pathReader  // an exec'ing thread's path
	gov     governor    // --max-overhead's duty cycle, or noGovernor
	details details     // --spans.decode: memory read for span texts
	yield   yielder
	cmd     launchState // the launched command
	detach  detachState
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
	}
	t.tab.init()
	t.gov = t.newGovernor(cfg.MaxOverhead)
	t.details = newDetails(cfg.Decode)
	if cfg.Filter != nil {
		t.sel = newSelection(cfg.Filter)
	}
	return t
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

type requestKind int

const (
	reqAttach requestKind = iota
	reqLaunch
	reqDetachAll
	reqSignalLaunched
	reqRecentCalls
)

// request is one call of the API, carried to the tracer goroutine.
type request struct {
	kind requestKind
	pid  int32
	path string
	argv []string
	env  []string
	sig  syscall.Signal
	// recent receives the rings' copies (reqRecentCalls).
	recent *[]backend.RecentCalls
	reply  chan error
}

var errTracerStopped = errors.New("tracer stopped")

// submit hands r to the tracer goroutine, wakes it, and waits for its
// answer or its end.
func (t *Tracer) submit(r *request) error {
	r.reply = make(chan error, 1)
	select {
	case <-t.done:
		return errTracerStopped
	case t.reqs <- r:
	}
	t.bell.ring()
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

// serveRequests answers every request waiting, on the tracer goroutine.
func (t *Tracer) serveRequests() {
	for {
		select {
		case r := <-t.reqs:
			r.reply <- t.serve(r)
		default:
			return
		}
	}
}

func (t *Tracer) serve(r *request) error {
	switch r.kind {
	case reqAttach:
		if t.detach.active {
			return errTracerStopped
		}
		return t.attach(r.pid)
	case reqLaunch:
		return t.launch(r.path, r.argv, r.env)
	case reqDetachAll:
		t.startDetach()
		return nil
	case reqSignalLaunched:
		if t.cmd.pid != 0 && !t.cmd.done {
			return unix.Kill(int(t.cmd.pid), r.sig)
		}
		return nil
	case reqRecentCalls:
		*r.recent = t.recentCalls()
		return nil
	}
	return nil
}
