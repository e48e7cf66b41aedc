package collector

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// Exemplar is a call of a series that became a span: scrapes attach it to
// the sample the call added to, so a dashboard can open the span.
type Exemplar struct {
	TraceID [16]byte
	SpanID  [8]byte
	Value   float64 // seconds for the histogram, 1 for the error counter
	Time    time.Time
	Errno   uint16 // for error exemplars
}

// Exemplars are the latest exemplars of a series.
type Exemplars struct {
	// Duration holds one exemplar per classic bucket (the last is +Inf),
	// as client_golang keeps them; zero entries have none.
	Duration [numClassic + 1]Exemplar
	Errors   []Exemplar // one per errno, the latest
}

func (e *Exemplar) valid() bool { return e.TraceID != [16]byte{} }

// exemplarLabels are the names Grafana and the OpenTelemetry SDKs use.
func (e *Exemplar) labels() prometheus.Labels {
	return prometheus.Labels{"trace_id": hex.EncodeToString(e.TraceID[:]), "span_id": hex.EncodeToString(e.SpanID[:])}
}

// seriesExemplars is allocated for a series when its first call becomes a
// span; after that, recording an exemplar allocates nothing.
type seriesExemplars struct {
	duration [numClassic + 1]exemplarSlot
	errors   [errnoExemplarSlots]exemplarSlot
}

// A syscall fails with few distinct errnos; past this many, the oldest
// errno's exemplar makes room.
const errnoExemplarSlots = 4

// exemplarSlot is written by the tracer thread alone and read by scrapes
// without a lock: a sequence lock whose fields are all atomics. The count
// is odd while a write is under way.
type exemplarSlot struct {
	seq       atomic.Uint64
	trace     [2]atomic.Uint64
	span      atomic.Uint64
	valueBits atomic.Uint64
	mono      atomic.Int64 // backend.Now of the call's exit
	errno     atomic.Uint32
}

func (s *exemplarSlot) store(r *SpanRecord, value float64, errno uint16) {
	s.seq.Add(1)
	s.trace[0].Store(binary.BigEndian.Uint64(r.TraceID[:8]))
	s.trace[1].Store(binary.BigEndian.Uint64(r.TraceID[8:]))
	s.span.Store(binary.BigEndian.Uint64(r.SpanID[:]))
	s.valueBits.Store(math.Float64bits(value))
	s.mono.Store(max(r.Call.Exit, r.Call.Entry))
	s.errno.Store(uint32(errno))
	s.seq.Add(1)
}

// load returns the slot's exemplar, or false if it holds none or the
// writer kept it busy for every attempt (the next scrape will see it).
func (s *exemplarSlot) load() (Exemplar, bool) {
	for range 8 {
		seq := s.seq.Load()
		if seq == 0 {
			return Exemplar{}, false
		}
		if seq&1 != 0 {
			runtime.Gosched()
			continue
		}
		var e Exemplar
		binary.BigEndian.PutUint64(e.TraceID[:8], s.trace[0].Load())
		binary.BigEndian.PutUint64(e.TraceID[8:], s.trace[1].Load())
		binary.BigEndian.PutUint64(e.SpanID[:], s.span.Load())
		e.Value = math.Float64frombits(s.valueBits.Load())
		mono := s.mono.Load()
		e.Errno = uint16(s.errno.Load())
		if s.seq.Load() == seq {
			e.Time = backend.WallTime(mono)
			return e, true
		}
	}
	return Exemplar{}, false
}

// recordExemplar stores the record's IDs where its call was counted: on
// the histogram bucket of its duration and on its errno.
func (st *syscallStats) recordExemplar(r *SpanRecord) {
	ex := st.exemplars.Load()
	if ex == nil {
		ex = new(seriesExemplars)
		st.exemplars.Store(ex)
	}
	call := &r.Call
	if call.Exit != 0 {
		ns := call.Exit - call.Entry
		ex.duration[backend.ClassicIndex(ns)].store(r, float64(ns)*1e-9, 0)
	}
	if call.Errno != 0 {
		ex.errnoSlot(call.Errno).store(r, 1, call.Errno)
	}
}

// errnoSlot finds errno's slot, else a free one, else the oldest. Only the
// tracer thread calls it, so reading the slots needs no sequence check.
func (ex *seriesExemplars) errnoSlot(errno uint16) *exemplarSlot {
	oldest := &ex.errors[0]
	for i := range ex.errors {
		s := &ex.errors[i]
		if s.seq.Load() == 0 || s.errno.Load() == uint32(errno) {
			return s
		}
		if s.mono.Load() < oldest.mono.Load() {
			oldest = s
		}
	}
	return oldest
}

// addExemplarsTo merges the stats' exemplars into a series: per bucket and
// per errno the latest wins (series merge calls of several arches).
func (st *syscallStats) addExemplarsTo(s *Series) {
	ex := st.exemplars.Load()
	if ex == nil {
		return
	}
	if s.Exemplars == nil {
		s.Exemplars = new(Exemplars)
	}
	out := s.Exemplars
	for i := range ex.duration {
		if e, ok := ex.duration[i].load(); ok && e.Time.After(out.Duration[i].Time) {
			out.Duration[i] = e
		}
	}
	for i := range ex.errors {
		e, ok := ex.errors[i].load()
		if !ok {
			continue
		}
		if old := out.forErrno(e.Errno); old != nil {
			if e.Time.After(old.Time) {
				*old = e
			}
			continue
		}
		out.Errors = append(out.Errors, e)
	}
}

// addDuration keeps, per bucket, the later of x's and o's histogram
// exemplars: for a histogram several series share.
func (x *Exemplars) addDuration(o *Exemplars) {
	for i := range o.Duration {
		if e := &o.Duration[i]; e.valid() && e.Time.After(x.Duration[i].Time) {
			x.Duration[i] = *e
		}
	}
}

func (x *Exemplars) forErrno(errno uint16) *Exemplar {
	if x == nil {
		return nil
	}
	for i := range x.Errors {
		if x.Errors[i].Errno == errno {
			return &x.Errors[i]
		}
	}
	return nil
}

// withErrnoExemplar attaches the errno's exemplar, if any, to its counter.
func withErrnoExemplar(m prometheus.Metric, x *Exemplars, errno uint16) prometheus.Metric {
	e := x.forErrno(errno)
	if e == nil {
		return m
	}
	withEx, err := prometheus.NewMetricWithExemplars(m, prometheus.Exemplar{Value: e.Value, Labels: e.labels(), Timestamp: e.Time})
	if err != nil {
		return m // labels are fixed and short: cannot happen
	}
	return withEx
}

// addToHistogram puts each exemplar on the exposed classic bucket its
// value falls in, adding an explicit +Inf bucket when that one has an
// exemplar (the encoders write the implicit one without); with native
// histograms on it lists them all for the native histogram too.
func (x *Exemplars) addToHistogram(h *dto.Histogram, l *layout) {
	if x == nil {
		return
	}
	for i := range x.Duration {
		e := &x.Duration[i]
		if !e.valid() {
			continue
		}
		de := e.dto()
		if b := exemplarBucket(h, l, i); b.Exemplar == nil || b.Exemplar.GetTimestamp().AsTime().Before(e.Time) {
			b.Exemplar = de
		}
		if l.native {
			h.Exemplars = append(h.Exemplars, de)
		}
	}
}

// exemplarBucket is the exposed bucket that backend's classic bucket i
// falls in: the first exposed bound at or above it, else +Inf, made
// explicit the first time it is needed.
func exemplarBucket(h *dto.Histogram, l *layout, i int) *dto.Bucket {
	j := 0
	for j < len(l.classic) && l.classic[j] < i {
		j++
	}
	if j == len(l.classic) && len(h.Bucket) == j {
		h.Bucket = append(h.Bucket, &dto.Bucket{
			CumulativeCount: proto.Uint64(h.GetSampleCount()),
			UpperBound:      proto.Float64(math.Inf(+1)),
		})
	}
	return h.Bucket[j]
}

func (e *Exemplar) dto() *dto.Exemplar {
	labels := e.labels()
	return &dto.Exemplar{
		Label: []*dto.LabelPair{
			{Name: proto.String("span_id"), Value: proto.String(labels["span_id"])},
			{Name: proto.String("trace_id"), Value: proto.String(labels["trace_id"])},
		},
		Value:     proto.Float64(e.Value),
		Timestamp: timestamppb.New(e.Time),
	}
}
