// Package collector turns what a backend saw into Prometheus metrics: it
// is the backend.Consumer. The backend's thread writes running totals with
// atomics into per-(label set, syscall) records resolved once; scrapes
// read them and build const metrics, so neither waits for the other.
package collector

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// ThreadLabel chooses what the thread label holds.
type ThreadLabel string

// The values of ThreadLabel.
const (
	ThreadByName ThreadLabel = "name" // the thread's name (comm): bounded, the default
	ThreadByTID  ThreadLabel = "tid"  // one series per thread: unbounded, opt-in
	ThreadNone   ThreadLabel = "none" // no thread label at all
)

// Config chooses the label sets.
type Config struct {
	ThreadLabel ThreadLabel
	PIDLabel    bool // add pid="<thread-group id>": unbounded, opt-in
	// Retention is how long the series of a label set stay exported after
	// its last thread is gone, so a restarted app leaves no ghosts. 0 keeps
	// them forever.
	Retention time.Duration
	// MaxSeries caps the series a scrape exposes, as Prometheus counts
	// them (see cap.go); past it new ones fold into "other". 0: no limit.
	MaxSeries int
	// ClassicBuckets are the classic histogram's upper bounds in seconds,
	// each one of backend.ClassicBoundsNs (CheckClassicBuckets); nil: all
	// of them. NoClassicBuckets exposes none but +Inf.
	ClassicBuckets   []float64
	NoClassicBuckets bool
	// NoNativeHistogram leaves the native histogram out of scrapes.
	NoNativeHistogram bool
	// HistogramLabels are the labels the histogram keeps besides syscall,
	// from those of the counters; nil: all of them.
	HistogramLabels []string
}

const namespace = "syscall"

// Collector is both a backend's Consumer and a prometheus.Collector.
type Collector struct {
	cfg        Config
	labelNames []string
	layout     layout
	hist       histKeep // which labels the histogram keeps

	callsDesc, errorsDesc, durationDesc *prometheus.Desc

	// sets is indexed by slot. Only the backend's thread appends, under
	// mu; it reads it without mu, scrapes read a copy taken under mu.
	mu    sync.Mutex
	sets  []*labelSet
	byKey map[string]backend.Slot
	free  []backend.Slot // slots of expired label sets, for reuse
	// series is the budget of --metrics.max-series.
	series seriesCap
	// catchAll is the syscall="other" record of the label set whose every
	// label is "other": what nothing else has room for ends there. Made
	// with its cost reserved when there is a budget.
	catchAll *syscallStats

	spans *spanner // nil unless SetSpanSink: which calls become spans
}

var (
	_ prometheus.Collector = (*Collector)(nil)
	_ backend.Consumer     = (*Collector)(nil)
)

// New returns an empty collector.
func New(cfg Config) *Collector {
	if cfg.ThreadLabel == "" {
		cfg.ThreadLabel = ThreadByName
	}
	names := []string{"process"}
	if cfg.ThreadLabel != ThreadNone {
		names = append(names, "thread")
	}
	if cfg.PIDLabel {
		names = append(names, "pid")
	}
	withSyscall := append(names[:len(names):len(names)], "syscall")
	withErrno := append(withSyscall[:len(withSyscall):len(withSyscall)], "errno")
	c := &Collector{
		cfg:        cfg,
		labelNames: names,
		layout:     newLayout(&cfg),
		callsDesc: prometheus.NewDesc(namespace+"_calls_total",
			"System calls made, counted at entry like strace -c.", withSyscall, nil),
		errorsDesc: prometheus.NewDesc(namespace+"_errors_total",
			"System calls that returned an error, by errno name. Restarted calls (ERESTARTSYS and kin) are not errors.", withErrno, nil),
		byKey: make(map[string]backend.Slot),
	}
	c.hist.init(names, cfg.HistogramLabels)
	c.durationDesc = prometheus.NewDesc(namespace+"_duration_seconds",
		"Time from syscall entry to exit, including at least one ptrace round trip.", c.hist.names(names), nil)
	c.series.init(int64(max(cfg.MaxSeries, 0)), c.layout.recordSeries())
	if c.series.limited() {
		c.makeCatchAll()
	}
	return c
}

// labelSet holds the totals of one combination of process, thread (and
// pid) label values, for every syscall seen.
type labelSet struct {
	values []string
	// byArch[i] is allocated on the first call of arch i; its entries on
	// the first call of each syscall. Numbers past the array are rare
	// (x32, garbage) and go to overflow under overflowMu.
	byArch     [syscalls.NumIndexes]atomic.Pointer[syscallArray]
	overflowMu sync.Mutex
	overflow   map[archNr]*syscallStats
	threads    atomic.Int32 // live threads using this set
	idleSince  atomic.Int64 // unix nanoseconds when threads fell to 0
	key        string
	cap        setCap
}

// each calls f once for every record the set holds: the syscall="other"
// record, stored under each syscall folded into it, once.
func (s *labelSet) each(f func(*syscallStats)) {
	visit := func(st *syscallStats) {
		if st != nil && st.nr != otherNr {
			f(st)
		}
	}
	for a := range s.byArch {
		if arr := s.byArch[a].Load(); arr != nil {
			for nr := range arr {
				visit(arr[nr].Load())
			}
		}
	}
	s.overflowMu.Lock()
	for _, st := range s.overflow {
		visit(st)
	}
	s.overflowMu.Unlock()
	if st := s.cap.other.Load(); st != nil {
		f(st)
	}
}

// release drops one thread from the set; the last one starts the
// retention clock.
func (s *labelSet) release() {
	if s.threads.Add(-1) == 0 {
		s.idleSince.Store(time.Now().UnixNano())
	}
}

type archNr struct {
	arch syscalls.Arch
	nr   uint32
}

const arraySize = 512

type syscallArray [arraySize]atomic.Pointer[syscallStats]

type syscallStats struct {
	arch     syscalls.Arch
	nr       uint32
	owner    *setCap    // the budget share of the set the record is in
	combo    *histCombo // the histogram it shares, with fewer labels kept
	noHist   bool       // a call that never returns: no histogram reserved (cap.go)
	calls    atomic.Uint64
	errnos   atomic.Pointer[errnoCounts]
	duration histogram
	// exemplars is allocated when a call of the series first becomes a span.
	exemplars atomic.Pointer[seriesExemplars]
}

// errnoCounts is indexed by errno, in chunks allocated as errnos appear:
// 1..133 are the kernel's, 512..516 the restart codes, which are never
// counted. Index 0, no errno, holds errno="other": errors of a series
// that could not get a series of their own (cap.go).
type errnoCounts [maxErrno/errnoChunkLen + 1]atomic.Pointer[errnoChunk]

type errnoChunk [errnoChunkLen]atomic.Uint64

const (
	maxErrno      = 4095
	errnoChunkLen = 64
)

// counter is errno's count, allocated when first needed.
func (e *errnoCounts) counter(errno uint16) *atomic.Uint64 {
	chunk := e[errno/errnoChunkLen].Load()
	if chunk == nil {
		chunk = new(errnoChunk)
		e[errno/errnoChunkLen].Store(chunk)
	}
	return &chunk[errno%errnoChunkLen]
}

// load reads errno's count without allocating.
func (e *errnoCounts) load(errno int) uint64 {
	if chunk := e[errno/errnoChunkLen].Load(); chunk != nil {
		return chunk[errno%errnoChunkLen].Load()
	}
	return 0
}

func (s *labelSet) stats(c *Collector, arch syscalls.Arch, nr uint32) *syscallStats {
	if nr < arraySize {
		i := arch.Index()
		arr := s.byArch[i].Load()
		if arr == nil {
			arr = new(syscallArray)
			s.byArch[i].Store(arr)
		}
		st := arr[nr].Load()
		if st == nil {
			st = c.newStats(s, arch, nr)
			arr[nr].Store(st)
		}
		return st
	}
	s.overflowMu.Lock()
	defer s.overflowMu.Unlock()
	if s.overflow == nil {
		s.overflow = make(map[archNr]*syscallStats)
	}
	st := s.overflow[archNr{arch, nr}]
	if st == nil {
		st = c.newStats(s, arch, nr)
		s.overflow[archNr{arch, nr}] = st
	}
	return st
}

// SyscallExited records how an entered call ended: its errno, its latency,
// and whether it becomes a span. It runs on the backend's thread for every
// syscall: no locks, no allocation once the syscall has been seen.
func (c *Collector) SyscallExited(s *backend.Call) {
	st := c.sets[s.Slot].stats(c, s.Arch, s.Nr)
	if s.Errno != 0 {
		if syscalls.IsRestart(s.Errno) {
			return // restarted by the kernel: not an error, no latency
		}
		c.countErrno(st, s.Errno, 1)
	}
	if s.Exit != 0 {
		c.histogramOf(st).observe(s.Exit - s.Entry)
	}
	if c.spans != nil {
		c.spans.consider(s, st)
	}
}

// SyscallEntered counts a call: at entry, so one blocked for hours counts
// already, as in the kernel's own sys_enter count.
func (c *Collector) SyscallEntered(s *backend.Call) {
	c.sets[s.Slot].stats(c, s.Arch, s.Nr).calls.Add(1)
}

// Add adds what an aggregating backend read of one thread's syscall.
func (c *Collector) Add(slot backend.Slot, arch syscalls.Arch, nr uint32, d *backend.Delta) {
	st := c.sets[slot].stats(c, arch, nr)
	st.calls.Add(d.Calls)
	for _, e := range d.Errors {
		if !syscalls.IsRestart(e.Errno) {
			c.countErrno(st, e.Errno, e.Count)
		}
	}
	h := c.histogramOf(st)
	for _, b := range d.Latency {
		h.add(b.Bucket, b.Count)
	}
	h.sumNs.Add(d.SumNs)
}

// SpanCandidate offers a call an aggregating backend selected by the span
// policy itself (in the kernel, so sampling is not drawn twice); Add
// counted it.
func (c *Collector) SpanCandidate(s *backend.Call) {
	if c.spans != nil {
		c.spans.offer(s, c.sets[s.Slot].stats(c, s.Arch, s.Nr))
	}
}

// countErrno counts n errors of errno. An errno's first error in a record
// makes a series, charged to the budget; refused, it is counted under the
// catch-all record's errno="other" (cap.go).
func (c *Collector) countErrno(st *syscallStats, errno uint16, n uint64) {
	if errno == 0 || errno > maxErrno {
		return
	}
	errs := st.errnos.Load()
	if errs == nil {
		errs = new(errnoCounts)
		st.errnos.Store(errs)
	}
	counter := errs.counter(errno)
	if counter.Load() == 0 && !c.series.take(1, true, st.owner) {
		c.catchAll.errnos.Load().counter(0).Add(n)
		return
	}
	counter.Add(n)
}

// ThreadStarted resolves the thread's label set once; every later call
// of the thread finds it by slot.
func (c *Collector) ThreadStarted(t *backend.Thread) backend.Slot {
	return c.slotFor(c.labelValues(t))
}

// ThreadRenamed moves a thread to the label set of its new names.
func (c *Collector) ThreadRenamed(t *backend.Thread, old backend.Slot) backend.Slot {
	slot := c.slotFor(c.labelValues(t))
	c.sets[old].release()
	return slot
}

// ThreadExited forgets the thread; its counts stay for the retention.
func (c *Collector) ThreadExited(_ *backend.Thread, slot backend.Slot) {
	c.sets[slot].release()
}

func (c *Collector) slotFor(values []string) backend.Slot {
	key := joinKey(values)
	c.mu.Lock()
	defer c.mu.Unlock()
	slot, ok := c.byKey[key]
	if !ok {
		values, key = c.fold(values, key)
		slot, ok = c.byKey[key]
	}
	if !ok {
		set := c.newLabelSet(values, key)
		if n := len(c.free); n > 0 {
			slot = c.free[n-1]
			c.free = c.free[:n-1]
			c.sets[slot] = set
		} else {
			slot = backend.Slot(len(c.sets))
			c.sets = append(c.sets, set)
		}
		c.byKey[key] = slot
	}
	c.sets[slot].threads.Add(1)
	c.sets[slot].idleSince.Store(0)
	return slot
}

// expire drops label sets idle for longer than the retention. No thread
// holds their slot, so the tracer never reads them again; a thread of
// the same name later starts a fresh set, which Prometheus sees as a
// counter reset. Callers hold c.mu.
func (c *Collector) expire(now time.Time) {
	if c.cfg.Retention <= 0 {
		return
	}
	cutoff := now.Add(-c.cfg.Retention).UnixNano()
	for i, set := range c.sets {
		if set == nil || set.threads.Load() > 0 {
			continue
		}
		if idle := set.idleSince.Load(); idle != 0 && idle < cutoff {
			delete(c.byKey, set.key)
			c.releaseCombos(set)
			c.released(set)
			c.sets[i] = nil
			c.free = append(c.free, backend.Slot(i))
		}
	}
}

func joinKey(values []string) string {
	n := 0
	for _, v := range values {
		n += len(v) + 1
	}
	b := make([]byte, 0, n)
	for _, v := range values {
		b = append(b, v...)
		b = append(b, 0)
	}
	return string(b)
}

// labelValues are a thread's label values: the names its backend gave,
// as the thread and pid labels are configured.
func (c *Collector) labelValues(t *backend.Thread) []string {
	values := make([]string, 1, len(c.labelNames))
	values[0] = t.Process
	switch c.cfg.ThreadLabel {
	case ThreadByName:
		values = append(values, t.Name)
	case ThreadByTID:
		values = append(values, strconv.Itoa(int(t.TID)))
	}
	if c.cfg.PIDLabel {
		values = append(values, strconv.Itoa(int(t.PID)))
	}
	return values
}
