package collector

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// queueSink is a bounded queue like the exporter's, kept in memory.
type queueSink struct{ ch chan SpanRecord }

func newQueueSink(size int) *queueSink { return &queueSink{ch: make(chan SpanRecord, size)} }

func (q *queueSink) Offer(r *SpanRecord) bool {
	select {
	case q.ch <- *r:
		return true
	default:
		return false
	}
}

func (q *queueSink) drain() []SpanRecord {
	var out []SpanRecord
	for {
		select {
		case r := <-q.ch:
			out = append(out, r)
		default:
			return out
		}
	}
}

const (
	sysOpenat    = 257
	sysNanosleep = 35
	sysGetppid   = 110
	sysRead      = 0
)

var defaultPolicy = SpanPolicy{
	IgnoreErrno:   []uint16{uint16(unix.EAGAIN), uint16(unix.EINTR), uint16(unix.ETIMEDOUT), uint16(unix.EINPROGRESS)},
	SlowThreshold: 10 * time.Millisecond,
}

func spanCollector(t testing.TB, p SpanPolicy, queue int) (*Collector, *queueSink, backend.Slot) {
	t.Helper()
	c := New(Config{})
	sink := newQueueSink(queue)
	if err := c.SetSpanSink(sink, p); err != nil {
		t.Fatal(err)
	}
	return c, sink, c.ThreadStarted(self())
}

// at makes a call that exits at exit (monotonic ns) after taking ns.
func at(c *Collector, slot backend.Slot, nr uint32, errno uint16, exit, ns int64) {
	s := backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: nr, Errno: errno, Entry: exit - ns, Exit: exit}
	if errno != 0 {
		s.Ret = -int64(errno)
	}
	feed(c, &s)
}

func TestWhichCallsBecomeSpans(t *testing.T) {
	c, sink, slot := spanCollector(t, defaultPolicy, 100)
	ms := int64(time.Millisecond)
	at(c, slot, sysOpenat, uint16(unix.ENOENT), 1e9, 20_000)                       // failed: span
	at(c, slot, sysRead, uint16(unix.EAGAIN), 2e9, 20_000)                         // normal-flow errno, fast: none
	at(c, slot, sysRead, uint16(unix.EAGAIN), 3e9, 11*ms)                          // normal-flow errno but slow: span
	at(c, slot, sysNanosleep, 0, 4e9, 10*ms)                                       // exactly the threshold: none
	at(c, slot, sysNanosleep, 0, 5e9, 10*ms+1)                                     // slower: span
	at(c, slot, sysGetppid, 0, 6e9, 5_000)                                         // fast success at ratio 0: none
	at(c, slot, sysGetppid, 512, 7e9, 20*ms)                                       // ERESTARTSYS: restarted, not a call that ended
	feed(c, &backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: 231, Entry: 8e9}) // exit_group: never returns, no span at ratio 0

	got := sink.drain()
	var names []string
	for _, r := range got {
		names = append(names, describe(r))
	}
	want := []string{"nr=257 errno=2", "nr=0 errno=11", "nr=35 errno=0"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("spans for %v, want %v", names, want)
	}
	for _, r := range got {
		if r.TraceID == ([16]byte{}) || r.SpanID == ([8]byte{}) {
			t.Errorf("%s: invalid IDs %x %x", describe(r), r.TraceID, r.SpanID)
		}
		if r.Thread.Process != "app" || r.Thread.Name != "app" || r.Call.Thread != nil {
			t.Errorf("%s: process %q thread %q, call's thread %p", describe(r), r.Thread.Process, r.Thread.Name, r.Call.Thread)
		}
	}
	if got[0].TraceID == got[1].TraceID {
		t.Error("two spans share a trace ID")
	}
}

func TestSampleRatio(t *testing.T) {
	for _, ratio := range []float64{0, 0.25, 1} {
		p := defaultPolicy
		p.SampleRatio = ratio
		c, sink, slot := spanCollector(t, p, 1)
		const n = 100_000
		sampled := 0
		for i := range n {
			at(c, slot, sysGetppid, 0, int64(i+1)*1000, 500)
			sampled += len(sink.drain())
		}
		// Binomial: 6 standard deviations (≈820 at 0.25) around n·ratio.
		want := ratio * n
		if d := float64(sampled) - want; d > 820 || d < -820 {
			t.Errorf("ratio %v: %d of %d sampled, want about %v", ratio, sampled, n, want)
		}
	}
}

// Only a call the sink took gets an exemplar: not the later ones a full
// queue turned away.
func TestOnlyTakenSpansGetExemplars(t *testing.T) {
	c, sink, slot := spanCollector(t, defaultPolicy, 2)
	for i := range 10 {
		at(c, slot, sysOpenat, uint16(unix.ENOENT), 1e9+int64(i)*1e6, 1000)
	}
	queued := sink.drain()
	if len(queued) != 2 {
		t.Fatalf("queued %d, want 2", len(queued))
	}
	wantExemplar(t, scrapeOpenMetrics(t, c), "syscall_errors_total", []string{`errno="ENOENT"`}, queued[1], 1)
}

func TestPolicyValidation(t *testing.T) {
	for _, p := range []SpanPolicy{
		{SampleRatio: -0.1}, {SampleRatio: 1.5}, {SlowThreshold: -1}, {IgnoreErrno: []uint16{0}},
	} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := defaultPolicy.Validate(); err != nil {
		t.Error(err)
	}
}

// The exemplar of a span must be the span: same trace and span ID, on the
// bucket its duration falls in and on its errno, in an OpenMetrics scrape.
func TestExemplarsCarryTheSpanIDs(t *testing.T) {
	c, sink, slot := spanCollector(t, defaultPolicy, 10)
	ms := int64(time.Millisecond)
	at(c, slot, sysOpenat, uint16(unix.ENOENT), 1e9, 30_000)  // 30 µs: bucket le=5e-05
	at(c, slot, sysNanosleep, 0, 2e9, 20*ms)                  // bucket le=0.025
	at(c, slot, sysNanosleep, 0, 3e9, 20*ms)                  // same bucket, later: replaces it
	at(c, slot, sysNanosleep, 0, 40e9, 12*int64(time.Second)) // past 10 s: +Inf
	for range 100 {
		at(c, slot, sysGetppid, 0, 50e9, 1000) // no spans, no exemplars
	}
	recs := sink.drain()
	if len(recs) != 4 {
		t.Fatalf("%d spans, want 4", len(recs))
	}
	enoent, sleep2, slowest := recs[0], recs[2], recs[3]

	body := scrapeOpenMetrics(t, c)
	wantExemplar(t, body, "syscall_errors_total", []string{`syscall="openat"`, `errno="ENOENT"`}, enoent, 1)
	wantExemplar(t, body, "syscall_duration_seconds_bucket", []string{`syscall="openat"`, `le="5e-05"`}, enoent, 30e-6)
	wantExemplar(t, body, "syscall_duration_seconds_bucket", []string{`syscall="nanosleep"`, `le="0.025"`}, sleep2, 0.02)
	wantExemplar(t, body, "syscall_duration_seconds_bucket", []string{`syscall="nanosleep"`, `le="+Inf"`}, slowest, 12)
	if n := strings.Count(body, "trace_id="); n != 4 {
		t.Errorf("%d exemplars, want 4:\n%s", n, body)
	}
	if strings.Contains(scrapeText(t, c), "trace_id") {
		t.Error("the classic text format has exemplars")
	}

	// The protobuf path: bucket exemplars and the native histogram's list.
	fams, err := prometheus.Gatherers{registry(c)}.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "syscall_duration_seconds" {
			continue
		}
		for _, m := range f.Metric {
			if labelValue(m, "syscall") == "nanosleep" && len(m.Histogram.Exemplars) != 2 {
				t.Errorf("nanosleep native histogram: %d exemplars, want 2", len(m.Histogram.Exemplars))
			}
		}
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
}

func TestErrnoExemplarsKeepTheLatestPerErrno(t *testing.T) {
	c, sink, slot := spanCollector(t, defaultPolicy, 100)
	errnos := []unix.Errno{unix.ENOENT, unix.EACCES, unix.ENOTDIR, unix.ELOOP, unix.ENAMETOOLONG, unix.ENOENT}
	for i, e := range errnos {
		at(c, slot, sysOpenat, uint16(e), int64(i+1)*1e9, 1000)
	}
	recs := sink.drain()
	body := scrapeOpenMetrics(t, c)
	// Four slots: ENOENT (rewritten last) keeps its slot; EACCES, the
	// oldest other, made room for ENAMETOOLONG.
	wantExemplar(t, body, "syscall_errors_total", []string{`errno="ENOENT"`}, recs[5], 1)
	wantExemplar(t, body, "syscall_errors_total", []string{`errno="ENAMETOOLONG"`}, recs[4], 1)
	wantExemplar(t, body, "syscall_errors_total", []string{`errno="ELOOP"`}, recs[3], 1)
	wantExemplar(t, body, "syscall_errors_total", []string{`errno="ENOTDIR"`}, recs[2], 1)
	if regexp.MustCompile(`errno="EACCES".* # `).MatchString(body) {
		t.Error("EACCES kept an exemplar past the slot limit")
	}
}

func TestNotSampledCallsDoNotAllocate(t *testing.T) {
	c, sink, slot := spanCollector(t, defaultPolicy, 1<<20)
	fast := backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: sysGetppid, Entry: 1, Exit: 2000}
	ignored := backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: sysRead, Errno: uint16(unix.EAGAIN), Ret: -11, Entry: 1, Exit: 2000}
	feed(c, &fast)
	feed(c, &ignored)
	if n := testing.AllocsPerRun(1000, func() { feed(c, &fast); feed(c, &ignored) }); n != 0 {
		t.Errorf("not sampled: %v allocs per call", n)
	}
	// A span, once its series has exemplar storage, allocates nothing
	// either: IDs come from the runtime's generator, the record is copied
	// into the queue, the exemplar written in place.
	failed := backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: sysOpenat, Errno: uint16(unix.ENOENT), Ret: -2, Entry: 1}
	var now int64 = 1e9
	next := func() { now += 1e9; failed.Exit = now; feed(c, &failed) }
	next()
	if n := testing.AllocsPerRun(1000, next); n != 0 {
		t.Errorf("sampled: %v allocs per call", n)
	}
	if got := len(sink.drain()); got != 1002 {
		t.Errorf("%d spans, want 1002", got)
	}
}

func BenchmarkSyscallSpans(b *testing.B) {
	fast := func(slot backend.Slot) backend.Call {
		return backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: sysGetppid, Entry: 1, Exit: 2000}
	}
	b.Run("spans=off", func(b *testing.B) {
		c := New(Config{})
		s := fast(c.ThreadStarted(self()))
		b.ReportAllocs()
		for b.Loop() {
			feed(c, &s)
		}
	})
	b.Run("spans=on/not-sampled", func(b *testing.B) {
		c, _, slot := spanCollector(b, defaultPolicy, 1)
		s := fast(slot)
		b.ReportAllocs()
		for b.Loop() {
			feed(c, &s)
		}
	})
	b.Run("spans=on/sampled", func(b *testing.B) {
		c, sink, slot := spanCollector(b, defaultPolicy, 1024)
		s := backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: sysOpenat, Errno: uint16(unix.ENOENT), Ret: -2, Entry: 1, Exit: 2000}
		b.ReportAllocs()
		for b.Loop() {
			feed(c, &s)
			<-sink.ch
		}
	})
}

func describe(r SpanRecord) string {
	return fmt.Sprintf("nr=%d errno=%d", r.Call.Nr, r.Call.Errno)
}

func registry(c *Collector) *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	return reg
}

func scrape(t *testing.T, c *Collector, accept string) string {
	t.Helper()
	h := promhttp.HandlerFor(registry(c), promhttp.HandlerOpts{EnableOpenMetrics: true})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", accept)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return string(b)
}

func scrapeOpenMetrics(t *testing.T, c *Collector) string {
	return scrape(t, c, "application/openmetrics-text; version=1.0.0; charset=utf-8")
}

func scrapeText(t *testing.T, c *Collector) string { return scrape(t, c, "text/plain") }

// wantExemplar finds the one sample of metric with all the label pairs
// (`name="value"`) and checks its exemplar is the record's, with value.
func wantExemplar(t *testing.T, body, metric string, pairs []string, r SpanRecord, value float64) {
	t.Helper()
	var found []string
lines:
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, metric+"{") {
			continue
		}
		for _, p := range pairs {
			if !strings.Contains(line, p) {
				continue lines
			}
		}
		found = append(found, line)
	}
	if len(found) != 1 {
		t.Errorf("%d samples of %s%v, want 1", len(found), metric, pairs)
		return
	}
	m := exemplarRe.FindStringSubmatch(found[0])
	if m == nil {
		t.Errorf("no exemplar on %s", found[0])
		return
	}
	trace := regexp.MustCompile(`trace_id="([0-9a-f]{32})"`).FindStringSubmatch(m[1])
	span := regexp.MustCompile(`span_id="([0-9a-f]{16})"`).FindStringSubmatch(m[1])
	v, err := strconv.ParseFloat(m[2], 64)
	if trace == nil || span == nil || err != nil {
		t.Errorf("malformed exemplar: %s", found[0])
		return
	}
	if trace[1] != hex.EncodeToString(r.TraceID[:]) || span[1] != hex.EncodeToString(r.SpanID[:]) || v != value {
		t.Errorf("%s: exemplar trace %s span %s value %v; want trace %x span %x value %v", found[0], trace[1], span[1], v, r.TraceID, r.SpanID, value)
	}
}

var exemplarRe = regexp.MustCompile(` # \{([^}]*)\} (\S+) \S+$`)

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// With fewer classic buckets an exemplar goes on the exposed bucket its
// value falls in, the latest winning, and on +Inf past the last one.
func TestExemplarsOnFewerBuckets(t *testing.T) {
	c := New(Config{ClassicBuckets: []float64{0.0001, 0.1}, NoNativeHistogram: true})
	sink := newQueueSink(10)
	if err := c.SetSpanSink(sink, defaultPolicy); err != nil {
		t.Fatal(err)
	}
	slot := c.ThreadStarted(self())
	ms := int64(time.Millisecond)
	at(c, slot, sysNanosleep, 0, 2e9, 20*ms)                  // le=0.1
	at(c, slot, sysNanosleep, 0, 3e9, 50*ms)                  // le=0.1 too, later: replaces it
	at(c, slot, sysNanosleep, 0, 40e9, 12*int64(time.Second)) // +Inf
	recs := sink.drain()
	if len(recs) != 3 {
		t.Fatalf("%d spans, want 3", len(recs))
	}
	body := scrapeOpenMetrics(t, c)
	wantExemplar(t, body, "syscall_duration_seconds_bucket", []string{`syscall="nanosleep"`, `le="0.1"`}, recs[1], 0.05)
	wantExemplar(t, body, "syscall_duration_seconds_bucket", []string{`syscall="nanosleep"`, `le="+Inf"`}, recs[2], 12)
	if n := strings.Count(body, "trace_id="); n != 2 {
		t.Errorf("%d exemplars, want 2:\n%s", n, body)
	}
	if n := strings.Count(body, "syscall_duration_seconds_bucket{"); n != 3 {
		t.Errorf("%d buckets, want 2 and +Inf:\n%s", n, body)
	}
}
