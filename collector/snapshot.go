package collector

import (
	"sort"
	"time"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// Series is the state of one (label set, syscall) at one moment. Scrapes,
// the summary and the landing page all read these, so they always agree.
type Series struct {
	Labels   []string // values for LabelNames(), in order
	Syscall  string
	Calls    uint64
	Errors   []ErrnoCount // sorted by errno
	Duration HistogramSnapshot
	// Exemplars is nil unless a call of the series became a span.
	Exemplars *Exemplars
}

// ErrnoCount is how many calls failed with one errno.
type ErrnoCount struct {
	Errno uint16
	Name  string
	Count uint64
}

// TotalErrors sums Errors.
func (s *Series) TotalErrors() uint64 {
	var n uint64
	for _, e := range s.Errors {
		n += e.Count
	}
	return n
}

// LabelNames are the names of Series.Labels.
func (c *Collector) LabelNames() []string { return c.labelNames }

// Snapshot reads every series. Calls of the same name on different arches
// (an i386 process on x86_64) are merged: the label is the name.
func (c *Collector) Snapshot() []Series {
	c.mu.Lock()
	c.expire(time.Now())
	sets := append([]*labelSet(nil), c.sets...)
	c.mu.Unlock()

	var out []Series
	for _, set := range sets {
		if set == nil {
			continue
		}
		byName := make(map[string]int)
		otherAdded := false
		add := func(st *syscallStats) {
			// Folded records are stored under every syscall they stand
			// for, and the catch-all in every set that ran out: each is
			// read once, in its own set.
			if st == nil || st.owner != &set.cap || st.calls.Load() == 0 && (st != c.catchAll || c.catchAllEmpty()) {
				return
			}
			if st.nr == otherNr {
				// syscall="other" is stored for every syscall folded into it.
				if otherAdded {
					return
				}
				otherAdded = true
			}
			name := st.name()
			i, ok := byName[name]
			if !ok {
				i = len(out)
				byName[name] = i
				out = append(out, Series{Labels: set.values, Syscall: name})
			}
			st.addTo(&out[i])
		}
		for a := range set.byArch {
			if arr := set.byArch[a].Load(); arr != nil {
				for nr := range arr {
					add(arr[nr].Load())
				}
			}
		}
		set.overflowMu.Lock()
		for _, st := range set.overflow {
			add(st)
		}
		set.overflowMu.Unlock()
		add(set.cap.other.Load())
	}
	return out
}

// catchAllEmpty says whether the catch-all holds nothing: besides its own
// calls it may hold errors and latencies of records that had no room for
// them.
func (c *Collector) catchAllEmpty() bool {
	if c.catchAll.errnos.Load().load(0) != 0 {
		return false
	}
	for i := range c.catchAll.duration.native {
		if c.catchAll.duration.native[i].Load() != nil {
			return false
		}
	}
	return true
}

func (st *syscallStats) addTo(s *Series) {
	s.Calls += st.calls.Load()
	if errs := st.errnos.Load(); errs != nil {
		for c := range errs {
			chunk := errs[c].Load()
			if chunk == nil {
				continue
			}
			for j := range chunk {
				if n := chunk[j].Load(); n != 0 {
					s.addErrors(uint16(c*errnoChunkLen+j), n)
				}
			}
		}
	}
	var h HistogramSnapshot
	st.duration.snapshot(&h)
	s.Duration.Add(&h)
	st.addExemplarsTo(s)
}

// addErrors adds n errors of errno, keeping Errors sorted.
func (s *Series) addErrors(errno uint16, n uint64) {
	i := sort.Search(len(s.Errors), func(i int) bool { return s.Errors[i].Errno >= errno })
	if i < len(s.Errors) && s.Errors[i].Errno == errno {
		s.Errors[i].Count += n
		return
	}
	s.Errors = append(s.Errors, ErrnoCount{})
	copy(s.Errors[i+1:], s.Errors[i:])
	s.Errors[i] = ErrnoCount{Errno: errno, Name: errnoLabel(errno), Count: n}
}

// errnoLabel is the errno label of a counter: errno 0 holds the errors
// that got no series of their own.
func errnoLabel(errno uint16) string {
	if errno == 0 {
		return otherValue
	}
	return syscalls.ErrnoName(errno)
}
