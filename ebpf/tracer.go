// Package ebpf is the eBPF backend: programs on the syscall tracepoints
// count, time and sort every syscall of the targets in the kernel; a
// reader goroutine hands what they counted to a backend.Consumer as
// deltas, and names the threads from the programs' events. Nothing is
// installed in a target, and nothing stays loaded once the exporter is
// gone. It needs CAP_BPF and CAP_PERFMON and a kernel with BTF (5.11+).
package ebpf

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/proc"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// Config sets up a Tracer.
type Config struct {
	Consumer backend.Consumer
	Logger   *slog.Logger
	// Proc is the /proc the names of attached processes and the landing
	// page's threads are read from; the zero FS means proc.Default.
	Proc proc.FS
	// Filter, if set, selects the syscalls counted, in attach mode too:
	// the programs test it before they count anything.
	Filter *syscalls.Filter
	// MaxSeries sizes the count maps (0: their minimum).
	MaxSeries int
	// ReadInterval is how often the counts are read (0: one second).
	ReadInterval time.Duration
	// ProgramStats has the kernel time the programs (BPF_ENABLE_STATS,
	// CAP_SYS_ADMIN) while the tracer runs. It is not free: two clock
	// reads per program run, on every syscall of the host
	// (docs/performance.md). Without it the times are there only if
	// kernel.bpf_stats_enabled is on.
	ProgramStats bool
	// Spans is the span selection the programs apply (SelectSpans).
	Spans SpanSelection
}

// Tracer is the eBPF backend.
type Tracer struct {
	cfg   Config
	log   *slog.Logger
	fs    proc.FS
	stats backend.Stats

	objs     *objects
	runStats io.Closer // BPF_ENABLE_STATS, while open
	use      mapUse
	warned   [len(lostReasons)]bool // warnFull has said it
	events   *ringbuf.Reader
	failures *ringbuf.Reader

	// mu guards the table, the launched command and the counts' state:
	// the reader goroutine holds it while it applies a batch of events
	// and reads the maps; Attach and the landing page take it briefly.
	mu   sync.Mutex
	tab  threadTable
	read countReader
	evr  eventReader
	fail failureReader
	cmd  launchState
	// closed: the objects are closed (unload); guarded by mu.
	closed bool

	syncReqs chan chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

var _ backend.Backend = (*Tracer)(nil)

// New returns a tracer; Start loads its programs.
func New(cfg Config) *Tracer {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Proc.Root() == "" {
		cfg.Proc = proc.Default
	}
	if cfg.ReadInterval <= 0 {
		cfg.ReadInterval = time.Second
	}
	t := &Tracer{
		cfg:      cfg,
		log:      cfg.Logger,
		fs:       cfg.Proc,
		syncReqs: make(chan chan struct{}, 16),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	t.tab.init()
	t.read.init()
	t.fail.init()
	return t
}

// Start loads and attaches the programs and starts reading them. Its
// error is one line that says what is missing.
func (t *Tracer) Start() error {
	objs, err := t.load()
	if err != nil {
		return err
	}
	events, err := ringbuf.NewReader(objs.Events)
	if err != nil {
		objs.Close()
		return &loadError{"ring buffer: " + err.Error()}
	}
	failures, err := ringbuf.NewReader(objs.Failures)
	if err != nil {
		events.Close()
		objs.Close()
		return &loadError{"ring buffer: " + err.Error()}
	}
	t.objs, t.events, t.failures = objs, events, failures
	if t.cfg.ProgramStats {
		t.runStats = t.enableStats()
	}
	go t.run()
	return nil
}

// Done is closed once the tracer has stopped: the launched command and
// its descendants have exited, or DetachAll finished.
func (t *Tracer) Done() <-chan struct{} { return t.done }

// LaunchStatus is the launched command's wait status, valid after Done.
func (t *Tracer) LaunchStatus() syscall.WaitStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cmd.status
}

// DetachAll reads the counts one last time and unloads everything: the
// targets never knew they were traced.
func (t *Tracer) DetachAll() error {
	if t.objs == nil {
		return errors.New("tracer not started")
	}
	t.stopOnce.Do(func() { close(t.stop) })
	t.wake()
	<-t.done
	return nil
}

// wake ends the reader's wait for events at once, so that a Sync, a stop
// or the launched command's end is acted on now, not after the wait.
func (t *Tracer) wake() { t.events.Flush() }

// SignalLaunched forwards sig to the launched command.
func (t *Tracer) SignalLaunched(sig syscall.Signal) error {
	t.mu.Lock()
	pid, exited := t.cmd.pid, t.cmd.exited
	t.mu.Unlock()
	if pid <= 0 || exited {
		return nil
	}
	return unix.Kill(pid, sig)
}

// Sync reads the maps now and returns once their counts are handed over,
// with every event the programs sent before the call applied.
func (t *Tracer) Sync() {
	reply := make(chan struct{})
	select {
	case t.syncReqs <- reply:
		t.wake()
	case <-t.done:
		return
	}
	select {
	case <-reply:
	case <-t.done:
	}
}

// Traced reports whether process pid is followed now.
func (t *Tracer) Traced(pid int) bool { return t.tab.traced.Has(int32(pid)) }

// Targets lists up to maxProcs of the processes followed now, reading
// /proc on the caller's goroutine.
func (t *Tracer) Targets(maxProcs, maxThreads int) (targets []backend.Target, more int) {
	return t.fs.Targets(t.tab.traced.List(), maxProcs, maxThreads, func(int32) string { return "traced" })
}

// CommandArgs is process pid's argv as /proc shows it now, or nil.
func (t *Tracer) CommandArgs(pid int32) []string { return t.fs.Cmdline(pid) }

// Stats are the tracer's counters of what it follows.
func (t *Tracer) Stats() *backend.Stats { return &t.stats }

// retireReadEvery bounds how often exits and renames make a read.
const retireReadEvery = 10 * time.Millisecond

// run is the reader goroutine: it waits for events, and every read
// interval (or Sync) reads the counts; then it applies the events.
func (t *Tracer) run() {
	defer close(t.done)
	defer t.unload()
	next := time.Now().Add(t.cfg.ReadInterval)
	var lastRead time.Time
	var syncs []chan struct{}
	for {
		// Sync, DetachAll and the launched command's end wake the wait;
		// it is short anyway, should a wake be missed.
		wait := min(time.Until(next), 50*time.Millisecond)
		t.events.SetDeadline(time.Now().Add(wait))
		t.evr.batch = t.evr.batch[:0]
		t.takeEvents()
	drain:
		for {
			select {
			case r := <-t.syncReqs:
				syncs = append(syncs, r)
			default:
				break drain
			}
		}
		stopping := false
		select {
		case <-t.stop:
			stopping = true
		default:
		}
		if len(syncs) > 0 || stopping {
			t.takeEventsNow() // what came before the request, too
		}
		batch := t.evr.batch
		// Retired label ids hold map entries until a read lets them go,
		// so a churn of threads is read often; but not more than every
		// retireReadEvery, for each read makes garbage.
		now := time.Now()
		due := !now.Before(next) || len(syncs) > 0 || stopping || batch.renamesLeader() ||
			batch.retires() && now.Sub(lastRead) >= retireReadEvery
		if !due && len(batch) == 0 {
			// The launched command may have been reaped since the round
			// that applied its last exit.
			t.mu.Lock()
			finished := t.cmd.finished(len(t.tab.byTID))
			t.mu.Unlock()
			if finished {
				return
			}
			continue
		}
		t.mu.Lock()
		if due {
			// Counts first: what a renamed leader's threads counted until
			// now still lands on their old names.
			t.readCounts()
			t.warnFull()
			t.readOverflow()
			lastRead = time.Now()
			next = lastRead.Add(t.cfg.ReadInterval)
		}
		for i := range batch {
			t.apply(&batch[i])
		}
		// After the events that announce their label ids, before the
		// next read lets the retired ones go.
		t.takeFailures()
		finished := t.cmd.finished(len(t.tab.byTID))
		t.mu.Unlock()
		for _, r := range syncs {
			close(r)
		}
		syncs = syncs[:0]
		if stopping || finished {
			return
		}
	}
}

// unload reads the counts a last time, lets the consumer forget every
// thread, and closes everything: the kernel then drops the programs.
func (t *Tracer) unload() {
	t.mu.Lock()
	for {
		t.evr.batch = t.evr.batch[:0]
		batch := t.takeEventsNow()
		if len(batch) == 0 {
			break
		}
		t.readCounts()
		for i := range batch {
			t.apply(&batch[i])
		}
		t.takeFailures()
	}
	t.readCounts()
	t.readOverflow()
	t.tab.dropAll(t)
	// Under mu: Attach, Launch and the self metrics use the objects too.
	t.closed = true
	t.events.Close()
	t.failures.Close()
	t.objs.Close()
	if t.runStats != nil {
		t.runStats.Close()
	}
	t.mu.Unlock()
}
