// Package collector turns the tracer's completed syscalls into Prometheus
// metrics. The tracer thread writes running totals with atomics into
// per-(label set, syscall) records resolved once; scrapes read them and
// build const metrics, so neither waits for the other.
package collector

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/internal/procfile"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/ptrace/syscalls"
)

// ThreadLabel chooses what the thread label holds.
type ThreadLabel string

const (
	ThreadByName ThreadLabel = "name" // /proc/PID/task/TID/comm: bounded, the default
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
	// MaxSeries caps the series (label set × syscall) held; past it new
	// ones fold into "other" (see cap.go). 0: no limit.
	MaxSeries int
}

const namespace = "syscall"

// Collector is both the tracer's Consumer and a prometheus.Collector.
type Collector struct {
	cfg        Config
	labelNames []string

	callsDesc, errorsDesc, durationDesc *prometheus.Desc

	// sets is indexed by slot. Only the tracer thread appends, under mu;
	// the tracer reads it without mu, scrapes read a copy taken under mu.
	mu    sync.Mutex
	sets  []*labelSet
	byKey map[string]uint32
	free  []uint32 // slots of expired label sets, for reuse
	// series is the budget of --metrics.max-series.
	series seriesCap

	spans *spanner // nil unless SetSpanSink: which calls become spans
}

var (
	_ prometheus.Collector = (*Collector)(nil)
	_ ptrace.Consumer      = (*Collector)(nil)
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
	return &Collector{
		cfg:        cfg,
		labelNames: names,
		callsDesc: prometheus.NewDesc(namespace+"_calls_total",
			"System calls made, counted at entry like strace -c.", withSyscall, nil),
		errorsDesc: prometheus.NewDesc(namespace+"_errors_total",
			"System calls that returned an error, by errno name. Restarted calls (ERESTARTSYS and kin) are not errors.", withErrno, nil),
		durationDesc: prometheus.NewDesc(namespace+"_duration_seconds",
			"Time from syscall entry to exit, including at least one ptrace round trip.", withSyscall, nil),
		byKey:  make(map[string]uint32),
		series: seriesCap{max: int64(max(cfg.MaxSeries, 0))},
	}
}

// labelSet holds the totals of one combination of process, thread (and
// pid) label values, for every syscall seen.
type labelSet struct {
	values []string
	// byArch[i] is allocated on the first call of arch i; its entries on
	// the first call of each syscall. Numbers past the array are rare
	// (x32, garbage) and go to overflow under overflowMu.
	byArch     [numArchSlots]atomic.Pointer[syscallArray]
	overflowMu sync.Mutex
	overflow   map[archNr]*syscallStats
	threads    atomic.Int32 // live threads using this set
	idleSince  atomic.Int64 // unix nanoseconds when threads fell to 0
	key        string
	cap        setCap
}

// release drops one thread from the set; the last one starts the
// retention clock.
func (s *labelSet) release() {
	if s.threads.Add(-1) == 0 {
		s.idleSince.Store(time.Now().UnixNano())
	}
}

type archNr struct{ arch, nr uint32 }

const (
	arraySize    = 512
	numArchSlots = 3
)

type syscallArray [arraySize]atomic.Pointer[syscallStats]

type syscallStats struct {
	arch, nr uint32
	calls    atomic.Uint64
	errnos   atomic.Pointer[errnoCounts]
	duration histogram
	// exemplars is allocated when a call of the series first becomes a span.
	exemplars atomic.Pointer[seriesExemplars]
}

// errnoCounts is indexed by errno; 1..133 are the kernel's, 512..516 the
// restart codes, which are never counted.
type errnoCounts [maxErrno + 1]atomic.Uint64

const maxErrno = 4095

func archSlot(arch uint32) int {
	switch arch {
	case syscalls.Native():
		return 0
	case auditArchI386:
		return 1
	}
	return 2
}

func (s *labelSet) stats(c *Collector, arch, nr uint32) *syscallStats {
	if nr < arraySize {
		slot := archSlot(arch)
		arr := s.byArch[slot].Load()
		if arr == nil {
			arr = new(syscallArray)
			s.byArch[slot].Store(arr)
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

// Syscall records how an entered call ended: its errno, its latency, and
// whether it becomes a span. It runs on the tracer thread for every
// syscall: no locks, no allocation once the syscall has been seen.
func (c *Collector) Syscall(s *ptrace.Syscall) {
	st := c.sets[s.Slot].stats(c, s.Arch, s.Nr)
	if s.Errno != 0 {
		if syscalls.IsRestart(s.Errno) {
			return // restarted by the kernel: not an error, no latency
		}
		errs := st.errnos.Load()
		if errs == nil {
			errs = new(errnoCounts)
			st.errnos.Store(errs)
		}
		if s.Errno <= maxErrno {
			errs[s.Errno].Add(1)
		}
	}
	if s.Exit != 0 {
		st.duration.observe(s.Exit - s.Entry)
	}
	if c.spans != nil {
		c.spans.consider(c, s, st)
	}
}

// SyscallEntered counts a call: at entry, so one blocked for hours counts
// already, as in the kernel's own sys_enter count.
func (c *Collector) SyscallEntered(s *ptrace.Syscall) {
	c.sets[s.Slot].stats(c, s.Arch, s.Nr).calls.Add(1)
}

// ThreadStarted resolves the thread's label set once; every later call
// of the thread finds it by slot.
func (c *Collector) ThreadStarted(t ptrace.Thread) uint32 {
	return c.slotFor(c.labelValues(t))
}

// ThreadRenamed moves a thread to the label set of its new name.
func (c *Collector) ThreadRenamed(t ptrace.Thread, old uint32) uint32 {
	slot := c.slotFor(c.labelValues(t))
	c.sets[old].release()
	return slot
}

// ThreadExited forgets the thread; its counts stay for the retention.
func (c *Collector) ThreadExited(t ptrace.Thread, slot uint32) {
	c.sets[slot].release()
}

func (c *Collector) slotFor(values []string) uint32 {
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
			slot = uint32(len(c.sets))
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
			c.released(set)
			c.sets[i] = nil
			c.free = append(c.free, uint32(i))
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

func (c *Collector) labelValues(t ptrace.Thread) []string {
	if t.Inherited {
		if values, ok := c.inheritedValues(t); ok {
			return values
		}
	}
	pid := strconv.Itoa(int(t.PID))
	process := validName(t.Name) // named by the tracer: a leader, no /proc read
	if t.Name == "" {
		process = readComm("/proc/" + pid + "/comm")
	}
	values := []string{process}
	switch c.cfg.ThreadLabel {
	case ThreadByName:
		if t.TID == t.PID {
			// The process's name is its main thread's.
			values = append(values, process)
			break
		}
		values = append(values, readComm("/proc/"+pid+"/task/"+strconv.Itoa(int(t.TID))+"/comm"))
	case ThreadByTID:
		values = append(values, strconv.Itoa(int(t.TID)))
	}
	if c.cfg.PIDLabel {
		values = append(values, pid)
	}
	return values
}

// inheritedValues makes a new thread's label values from those of the
// thread that made it, whose name it has: reading comm files for each
// fork of a traced shell was a tenth of the tracer's time (perf). It
// cannot when they do not show that name: folded into "other", or a new
// process whose creator's thread name is not a label.
func (c *Collector) inheritedValues(t ptrace.Thread) ([]string, bool) {
	c.mu.Lock()
	var from []string
	if int(t.FromSlot) < len(c.sets) && c.sets[t.FromSlot] != nil {
		from = c.sets[t.FromSlot].values
	}
	c.mu.Unlock()
	if len(from) == 0 || slices.Contains(from, otherValue) {
		return nil, false
	}
	process := from[0]
	if t.TID == t.PID {
		if c.cfg.ThreadLabel != ThreadByName {
			return nil, false
		}
		process = from[1] // a new process is named after the thread that forked
	}
	values := []string{process}
	switch c.cfg.ThreadLabel {
	case ThreadByName:
		values = append(values, from[1])
	case ThreadByTID:
		values = append(values, strconv.Itoa(int(t.TID)))
	}
	if c.cfg.PIDLabel {
		values = append(values, strconv.Itoa(int(t.PID)))
	}
	return values, true
}

// readComm reads a comm file: up to 15 bytes of any value but NUL,
// newline-terminated. A thread gone already reads as "unknown".
func readComm(path string) string {
	var buf [64]byte
	b, err := procfile.Read(path, buf[:])
	if err != nil {
		return "unknown"
	}
	return parseComm(b)
}

func parseComm(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return validName(string(b))
}

// validName makes a thread name a label value. The kernel cuts a name at
// 15 bytes, which can split a UTF-8 character; an invalid label value
// would fail the whole scrape.
func validName(name string) string {
	if name == "" {
		return "unknown"
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}
