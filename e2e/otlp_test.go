package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// A real OTLP receiver: Jaeger all-in-one, built by scripts/jaeger.sh. Its
// ports are fixed (OTLP 4317/4318, query 16686), so tests that use it run
// one at a time (none of them is parallel).
const (
	jaegerOTLPHTTP = "http://127.0.0.1:4318"
	jaegerQuery    = "http://127.0.0.1:16686"
)

type jaeger struct {
	cmd *exec.Cmd
	log *syncBuffer
}

func jaegerBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("JAEGER_BIN")
	if bin == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		bin = filepath.Join(cache, "syscall_exporter", "jaeger")
	}
	if _, err := os.Stat(bin); err != nil {
		why := "needs Jaeger all-in-one at " + bin + " (scripts/jaeger.sh builds it; .ci/run sets JAEGER_BIN)"
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI is set, so this is a failure, not a skip", why)
		}
		t.Skip(why)
	}
	return bin
}

// startJaeger runs a fresh Jaeger (in-memory storage) and waits until it
// takes OTLP and answers queries.
func startJaeger(t *testing.T) *jaeger {
	t.Helper()
	bin := jaegerBinary(t)
	for _, port := range []string{"4317", "4318", "16686"} {
		l, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatalf("port %s is taken (another Jaeger?): %v", port, err)
		}
		l.Close()
	}
	j := &jaeger{log: &syncBuffer{}}
	j.cmd = exec.Command(bin)
	j.cmd.Stdout, j.cmd.Stderr = j.log, j.log
	for _, kv := range os.Environ() { // the tests' OTEL_* settings are for the exporter
		if !strings.HasPrefix(kv, "OTEL_") {
			j.cmd.Env = append(j.cmd.Env, kv)
		}
	}
	if err := j.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { j.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// Storage is in memory: nothing to lose. (On SIGTERM it spends
		// 10 s trying to export its own telemetry to its closed port.)
		j.cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("jaeger log (tail):\n%s", tail(j.log.String(), 3000))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(jaegerQuery + "/api/services")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", "127.0.0.1:4318"); err == nil {
				c.Close()
				if resp.StatusCode == http.StatusOK {
					return j
				}
			}
		}
		select {
		case <-exited:
			t.Fatalf("jaeger exited:\n%s", tail(j.log.String(), 3000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("jaeger not ready after 60s:\n%s", tail(j.log.String(), 3000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// span is a span as Jaeger's query API returns it, with its process.
type span struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []any  `json:"references"`
	Duration      int64  `json:"duration"` // µs
	Tags          []tag  `json:"tags"`
	ProcessID     string `json:"processID"`

	service      string
	processTags  map[string]string
	tags         map[string]string
	traceSpanCnt int
}

type tag struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

type jaegerTraces struct {
	Data []struct {
		TraceID   string `json:"traceID"`
		Spans     []span `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
			Tags        []tag  `json:"tags"`
		} `json:"processes"`
	} `json:"data"`
}

func tagMap(tags []tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		switch v := t.Value.(type) {
		case string:
			m[t.Key] = v
		default:
			b, _ := json.Marshal(v)
			m[t.Key] = string(b)
		}
	}
	return m
}

func (j *jaeger) get(t *testing.T, path string) (jaegerTraces, int) {
	t.Helper()
	resp, err := http.Get(jaegerQuery + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out jaegerTraces
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return out, resp.StatusCode
}

func flatten(tr jaegerTraces) []span {
	var out []span
	for _, d := range tr.Data {
		for _, s := range d.Spans {
			p := d.Processes[s.ProcessID]
			s.service = p.ServiceName
			s.processTags = tagMap(p.Tags)
			s.tags = tagMap(s.Tags)
			s.traceSpanCnt = len(d.Spans)
			out = append(out, s)
		}
	}
	return out
}

// spans returns every span of service.
func (j *jaeger) spans(t *testing.T, service string) []span {
	t.Helper()
	tr, code := j.get(t, "/api/traces?service="+service+"&limit=100000&lookback=1h")
	if code != http.StatusOK && code != http.StatusNotFound {
		t.Fatalf("jaeger query: HTTP %d", code)
	}
	return flatten(tr)
}

// trace returns the spans of one trace, or nil if Jaeger has none.
func (j *jaeger) trace(t *testing.T, traceID string) []span {
	t.Helper()
	tr, code := j.get(t, "/api/traces/"+traceID)
	if code == http.StatusNotFound {
		return nil
	}
	return flatten(tr)
}

func nativeArch() string {
	if runtime.GOARCH == "arm64" {
		return "aarch64"
	}
	return "x86_64"
}

// Failed and slow calls become spans with the right names, times, status
// and attributes, on a resource from the OTEL_* variables; fast calls do
// not: every span that did not fail is slower than the threshold, and each
// thread's spans match its metrics exactly.
//
// Both backends select the same spans: failures, and calls over the slow
// threshold; only ptrace decodes them (its text and file.path).
func TestOTLPSpansOfFailedAndSlowCalls(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		testprog.RequireTracing(t)
		j := startJaeger(t)
		const enoents, sleeps, getppids = 9, 4, 5000
		service := "e2e-failed-and-slow-" + backendOf(t)
		t.Setenv("OTEL_SERVICE_NAME", service)
		t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "k8s.pod.name=web-0,k8s.namespace.name=shop")
		t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
		w := startWorkload(t, "-w", "-l", "-t", "2", "-g", strconv.Itoa(getppids), "-e", strconv.Itoa(enoents),
			"-s", strconv.Itoa(sleeps), "-m", "20", "-f", "-1")
		e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid), "--otlp.endpoint="+jaegerOTLPHTTP)
		eventually(t, 60*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })
		m := scrape(t, e.Addr)

		// Calls over the threshold: a getppid can be, when the machine is
		// busy, and then it has a span too. The 10 ms bucket bound is the
		// threshold, so the histogram says how many there are.
		slowGetppids := 0.0
		for _, thread := range []string{"getter-0", "getter-1"} {
			h := m.histogram(t, "syscall_duration_seconds", "thread", thread, "syscall", "getppid")
			for _, b := range h.Bucket {
				if b.GetUpperBound() == 0.01 {
					slowGetppids += float64(h.GetSampleCount() - b.GetCumulativeCount())
				}
			}
		}

		var spans, opener, sleeper []span
		getppidSpans := 0
		eventually(t, 10*time.Second, "the spans in jaeger", func() bool {
			spans = j.spans(t, service)
			opener, sleeper, getppidSpans = nil, nil, 0
			for _, s := range spans {
				switch s.tags["thread.name"] {
				case "opener":
					opener = append(opener, s)
				case "sleeper":
					sleeper = append(sleeper, s)
				case "getter-0", "getter-1":
					getppidSpans++
				}
			}
			return len(opener) >= enoents && len(sleeper) >= sleeps && float64(getppidSpans) >= slowGetppids
		})
		time.Sleep(300 * time.Millisecond) // anything extra would have arrived with the rest
		spans = j.spans(t, service)

		var errorSpans, slowSpans int
		pids := map[string]bool{}
		for _, s := range spans {
			if s.service != service || s.processTags["k8s.pod.name"] != "web-0" || s.processTags["k8s.namespace.name"] != "shop" {
				t.Errorf("span %s: resource %s %v", s.OperationName, s.service, s.processTags)
			}
			if len(s.References) != 0 || s.traceSpanCnt != 1 {
				t.Errorf("span %s is not alone at the root of its trace: %d refs, %d spans", s.OperationName, len(s.References), s.traceSpanCnt)
			}
			if s.tags["span.kind"] != "internal" || s.tags["syscall_exporter.syscall.name"] != s.OperationName ||
				s.tags["syscall_exporter.syscall.arch"] != nativeArch() || s.tags["process.executable.name"] != "workload" ||
				s.tags["thread.id"] == "" {
				t.Errorf("span %s: tags %v", s.OperationName, s.tags)
			}
			if backendOf(t) == "ebpf" {
				if s.tags["syscall_exporter.syscall.args"] != "" || s.tags["syscall_exporter.syscall.text"] != "" {
					t.Errorf("span %s: the eBPF backend reads no arguments, yet args %q, text %q", s.OperationName, s.tags["syscall_exporter.syscall.args"], s.tags["syscall_exporter.syscall.text"])
				}
			} else if !regexp.MustCompile(`^\["0x[0-9a-f]+"(,"0x[0-9a-f]+"){5}\]$`).MatchString(s.tags["syscall_exporter.syscall.args"]) {
				t.Errorf("span %s: args %s", s.OperationName, s.tags["syscall_exporter.syscall.args"])
			}
			pids[s.tags["process.pid"]] = true
			// At ratio 0 every span is a failure or slower than 10 ms (Jaeger
			// keeps µs, truncated).
			switch {
			case s.tags["error.type"] != "":
				errorSpans++
				if s.tags["otel.status_code"] != "ERROR" || s.tags["otel.status_description"] != s.tags["error.type"] {
					t.Errorf("failed %s: status %s %q", s.OperationName, s.tags["otel.status_code"], s.tags["otel.status_description"])
				}
			case s.Duration >= 10_000:
				slowSpans++
			default:
				t.Errorf("span for a fast call that succeeded: %s %d µs %v", s.OperationName, s.Duration, s.tags)
			}
		}
		if want := strconv.Itoa(w.cmd.Process.Pid); len(pids) != 1 || !pids[want] {
			t.Errorf("process.pid values %v, want %s", pids, want)
		}
		if float64(getppidSpans) != slowGetppids {
			t.Errorf("%d getppid spans, but %v of the %d fast calls took over 10 ms", getppidSpans, slowGetppids, 2*getppids)
		}
		if len(opener) != enoents {
			t.Errorf("%d spans from the opener thread, want exactly %d", len(opener), enoents)
		}
		// The call as strace prints it, its path read from the target's
		// memory at the exit stop (--spans.decode=paths, the default).
		const openerText = `openat(AT_FDCWD, "/nonexistent/syscall_exporter", O_RDONLY) = -1 ENOENT (No such file or directory)`
		for _, s := range opener {
			if s.OperationName != "openat" || s.tags["error.type"] != "ENOENT" || s.tags["syscall_exporter.syscall.return_value"] != "-2" ||
				s.tags["syscall_exporter.syscall.number"] != strconv.Itoa(openatNr()) {
				t.Errorf("opener span: %s %v", s.OperationName, s.tags)
			}
			if backendOf(t) == "ptrace" && (s.tags["syscall_exporter.syscall.text"] != openerText || s.tags["file.path"] != "/nonexistent/syscall_exporter") {
				t.Errorf("opener span: text %q, file.path %q; want %q", s.tags["syscall_exporter.syscall.text"], s.tags["file.path"], openerText)
			}
		}
		if len(sleeper) != sleeps {
			t.Errorf("%d spans from the sleeper thread, want exactly %d", len(sleeper), sleeps)
		}
		for _, s := range sleeper {
			if s.OperationName != "nanosleep" || s.Duration < 20_000 || s.tags["error.type"] != "" || s.tags["syscall_exporter.syscall.return_value"] != "0" {
				t.Errorf("sleeper span: %s %d µs %v", s.OperationName, s.Duration, s.tags)
			}
		}
		t.Logf("%d spans: %d failures (%d ENOENT from opener), %d slow (%d nanosleep ≥ 20 ms, %d getppid of %d)",
			len(spans), errorSpans, len(opener), slowSpans, len(sleeper), getppidSpans, 2*getppids)
	})
}

// In launch mode the exporter exits when the command does: the spans still
// in its queues are flushed first. The batch processor's delay is set past
// the test's end, so only the flush at exit can deliver them. Both OTLP
// transports.
func TestOTLPLaunchModeFlushesAtExit(t *testing.T) {
	testprog.RequireTracing(t)
	j := startJaeger(t)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
	prog := testprog.Build(t, "workload")
	const enoents = 5
	for _, tc := range []struct{ protocol, endpoint string }{
		{"http/protobuf", jaegerOTLPHTTP},
		{"grpc", "http://127.0.0.1:4317"},
	} {
		service := "e2e-launch-flush-" + strings.ReplaceAll(tc.protocol, "/", "-")
		t.Setenv("OTEL_SERVICE_NAME", service)
		begin := time.Now()
		e := startExporter(t, "--otlp.protocol="+tc.protocol, "--otlp.endpoint="+tc.endpoint,
			"--", prog, "-t", "1", "-g", "10", "-e", strconv.Itoa(enoents), "-s", "0", "-f", "-1")
		if ws := e.wait(t, 30*time.Second); ws.ExitStatus() != 0 {
			t.Fatalf("%s: exporter exited %v", tc.protocol, ws)
		}
		took := time.Since(begin)
		opener := 0
		eventually(t, 5*time.Second, tc.protocol+" spans in jaeger", func() bool {
			opener = 0
			for _, s := range j.spans(t, service) {
				if s.tags["thread.name"] == "opener" && s.tags["error.type"] == "ENOENT" {
					opener++
				}
			}
			return opener >= enoents
		})
		if opener != enoents {
			t.Errorf("%s: %d ENOENT spans from opener, want %d", tc.protocol, opener, enoents)
		}
		t.Logf("%s: launch to exit, flush included: %v", tc.protocol, took.Round(time.Millisecond))
	}
}

func openatNr() int {
	if runtime.GOARCH == "arm64" {
		return 56
	}
	return 257
}

// Far more failures than --spans.max-per-second: the receiver gets at most
// limit·time + burst spans, and every other failure is counted as dropped,
// exactly. The exemplar on the error counter is one of the exported spans.
func TestOTLPRateLimitAccountsForEveryFailure(t *testing.T) {
	testprog.RequireTracing(t)
	j := startJaeger(t)
	const service, failures, limit, burst = "e2e-rate-limit", 2000, 50, 10
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	w := startWorkload(t, "-w", "-l", "-t", "1", "-g", "10", "-e", strconv.Itoa(failures), "-s", "0", "-f", "-1")
	begin := time.Now()
	e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid), "--otlp.endpoint="+jaegerOTLPHTTP,
		"--spans.max-per-second="+strconv.Itoa(limit), "--spans.burst="+strconv.Itoa(burst),
		"--spans.slow-threshold=0") // failures only: the count to match is exact
	eventually(t, 60*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })
	elapsed := time.Since(begin)

	var m metrics
	var qualified, exported, dropped float64
	eventually(t, 20*time.Second, "every qualified call exported or dropped", func() bool {
		m = scrape(t, e.Addr)
		qualified = 0
		for _, s := range m["syscall_errors_total"].GetMetric() {
			switch errno := labelOf(s.GetLabel(), "errno"); errno {
			case "EAGAIN", "EINTR", "ETIMEDOUT", "EINPROGRESS":
			default:
				qualified += s.GetCounter().GetValue()
			}
		}
		exported = m.get("syscall_exporter_spans_exported_total")
		dropped = m.get("syscall_exporter_spans_dropped_total")
		return exported+dropped == qualified
	})
	if got := m.get("syscall_errors_total", "thread", "opener", "errno", "ENOENT"); got != failures {
		t.Errorf("opener ENOENT = %v, want %d", got, failures)
	}
	rateLimited := m.get("syscall_exporter_spans_dropped_total", "reason", "rate_limited")
	if rateLimited == 0 || m.get("syscall_exporter_spans_dropped_total", "reason", "queue_full") != 0 ||
		m.get("syscall_exporter_spans_dropped_total", "reason", "export_failed") != 0 {
		t.Errorf("dropped: %s", m.dump("syscall_exporter_spans_dropped_total"))
	}
	if bound := float64(limit)*elapsed.Seconds() + burst; exported > bound || exported < burst {
		t.Errorf("exported %v spans in %v: want from %d (the burst) to %v (limit·time + burst)", exported, elapsed, burst, bound)
	}

	var inJaeger []span
	eventually(t, 10*time.Second, "jaeger to hold every exported span", func() bool {
		inJaeger = j.spans(t, service)
		return float64(len(inJaeger)) >= exported
	})
	if float64(len(inJaeger)) != exported {
		t.Errorf("jaeger holds %d spans, the exporter says it exported %v", len(inJaeger), exported)
	}
	ids := map[string]bool{}
	for _, s := range inJaeger {
		ids[s.TraceID+"/"+s.SpanID] = true
	}
	ex := exemplarsOf(t, scrapeOpenMetricsText(t, e.Addr), "syscall_errors_total", `thread="opener"`, `errno="ENOENT"`)
	if len(ex) != 1 || !ids[ex[0].traceID+"/"+ex[0].spanID] {
		t.Errorf("ENOENT exemplar %v is not among the exported spans", ex)
	}
	t.Logf("%v failures in %v: %v exported (bound %v), %v rate_limited", qualified, elapsed.Round(time.Millisecond), exported,
		float64(limit)*elapsed.Seconds()+burst, rateLimited)
}

func labelOf(pairs []*dto.LabelPair, name string) string {
	for _, p := range pairs {
		if p.GetName() == name {
			return p.GetValue()
		}
	}
	return ""
}

// An OpenMetrics scrape carries exemplars on the error counter and on the
// latency bucket of a slow call; their trace IDs open those very spans in
// the receiver.
func TestOTLPExemplarsOpenTheirSpans(t *testing.T) {
	testprog.RequireTracing(t)
	j := startJaeger(t)
	t.Setenv("OTEL_SERVICE_NAME", "e2e-exemplars")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	w := startWorkload(t, "-w", "-l", "-t", "1", "-g", "100", "-e", "3", "-s", "2", "-m", "20", "-f", "-1")
	e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid), "--otlp.endpoint="+jaegerOTLPHTTP)
	eventually(t, 30*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

	body := scrapeOpenMetricsText(t, e.Addr)
	check := func(ex exemplar, op string) {
		t.Helper()
		var spans []span
		eventually(t, 10*time.Second, "trace "+ex.traceID+" in jaeger", func() bool {
			spans = j.trace(t, ex.traceID)
			return len(spans) > 0
		})
		if len(spans) != 1 || spans[0].SpanID != ex.spanID || spans[0].OperationName != op {
			t.Errorf("trace %s: %+v, want the one %s span %s", ex.traceID, spans, op, ex.spanID)
		}
		if got := float64(spans[0].Duration) * 1e-6; op == "nanosleep" && (got > ex.value || ex.value-got > 1e-6) {
			t.Errorf("span of %v s, exemplar value %v", got, ex.value)
		}
	}

	errs := exemplarsOf(t, body, "syscall_errors_total", `thread="opener"`, `errno="ENOENT"`)
	if len(errs) != 1 || errs[0].value != 1 {
		t.Fatalf("ENOENT counter: exemplars %+v, want one of value 1", errs)
	}
	check(errs[0], "openat")

	// Each sleep's exemplar sits on the bucket its duration fell in (the
	// later one when both fell in the same).
	sleeps := exemplarsOf(t, body, "syscall_duration_seconds_bucket", `thread="sleeper"`, `syscall="nanosleep"`)
	m := scrape(t, e.Addr)
	h := m.histogram(t, "syscall_duration_seconds", "thread", "sleeper", "syscall", "nanosleep")
	filled := 0
	var below uint64
	for _, b := range h.Bucket {
		if b.GetCumulativeCount() > below {
			filled++
		}
		below = b.GetCumulativeCount()
	}
	if h.GetSampleCount() != 2 || len(sleeps) != filled || filled == 0 {
		t.Errorf("sleeper nanosleep: %d calls in %d buckets, %d exemplars", h.GetSampleCount(), filled, len(sleeps))
	}
	for _, ex := range sleeps {
		le, _ := strconv.ParseFloat(ex.le, 64)
		if ex.value < 0.020 || ex.value > le {
			t.Errorf("exemplar of %v s on bucket le=%s", ex.value, ex.le)
		}
		check(ex, "nanosleep")
	}
	// Without OpenMetrics, no exemplars.
	if strings.Contains(scrapeText(t, e.Addr), "trace_id") {
		t.Error("exemplars in the classic text format")
	}
}

// With the receiver down, tracing and /metrics go on, and the tracer keeps
// its pace: the same workload takes about as long as with spans off. Two
// ways to be down: nothing listens (exports fail at once), or something
// accepts and never answers (exports hang until their timeout, the queues
// fill, the tracer thread drops at its queue).
func TestOTLPReceiverDownKeepsTracing(t *testing.T) {
	testprog.RequireTracing(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() // nothing listens here once closed
	l.Close()
	hanging := blackhole(t)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")

	const failures, getppids, threads = 20000, 20000, 2
	run := func(args ...string) (time.Duration, metrics) {
		w := startWorkload(t, "-w", "-l", "-t", strconv.Itoa(threads), "-g", strconv.Itoa(getppids), "-e", strconv.Itoa(failures), "-s", "0", "-f", "-1")
		e := startExporter(t, append([]string{"--pid", strconv.Itoa(w.cmd.Process.Pid)}, args...)...)
		begin := time.Now()
		eventually(t, 120*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })
		elapsed := time.Since(begin)
		m := scrape(t, e.Addr)
		if got := m.get("syscall_errors_total", "thread", "opener", "errno", "ENOENT"); got != failures {
			t.Errorf("%v: opener ENOENT = %v, want %d", args, got, failures)
		}
		if got := m.get("syscall_calls_total", "syscall", "getppid"); got != getppids*threads {
			t.Errorf("%v: getppid = %v, want %d", args, got, getppids*threads)
		}
		if got := m.get("syscall_exporter_spans_exported_total"); got != 0 {
			t.Errorf("%v: %v spans exported to no receiver", args, got)
		}
		cpu := cpuTime(t, e.cmd.Process.Pid)
		w.stdin.Close()
		w.exitCode(t)
		stopped := time.Now()
		e.cmd.Process.Signal(syscall.SIGTERM)
		if ws := e.wait(t, 15*time.Second); ws.ExitStatus() != 0 {
			t.Errorf("%v: exporter exited %v", args, ws)
		}
		t.Logf("%v: %v calls traced in %v (%.0f stops/s), exporter CPU %v, spans dropped %s; exit took %v", args, m.get("syscall_calls_total"),
			elapsed.Round(time.Millisecond), m.get("syscall_exporter_stops_total")/elapsed.Seconds(), cpu,
			strings.ReplaceAll(m.dump("syscall_exporter_spans_dropped_total"), "\n", " "), time.Since(stopped).Round(time.Millisecond))
		return elapsed, m
	}

	cases := []struct {
		name string
		args []string
		best time.Duration
		m    metrics
	}{
		{name: "spans off"},
		{name: "refused, default limits", args: []string{"--otlp.endpoint=" + refused}},
		{name: "hanging, no rate limit", args: []string{"--otlp.endpoint=" + hanging, "--spans.max-per-second=0"}},
		{name: "refused, no rate limit", args: []string{"--otlp.endpoint=" + refused, "--spans.max-per-second=0"}},
	}
	for round := range 3 { // best of three, interleaved: the machine is shared
		for i := range cases {
			if i == len(cases)-1 && round > 0 {
				continue // reported once, not judged
			}
			d, m := run(cases[i].args...)
			if cases[i].best == 0 || d < cases[i].best {
				cases[i].best = d
			}
			cases[i].m = m
		}
	}
	off := cases[0].best
	for _, c := range cases[1:] {
		t.Logf("%s: %v, spans off: %v (%.2f×)", c.name, c.best.Round(time.Millisecond), off.Round(time.Millisecond), float64(c.best)/float64(off))
	}
	// What the defaults do with the receiver down, and what the tracer
	// thread does when the exporter is stuck: neither slows the tracer.
	for _, c := range cases[1:3] {
		if c.best > 2*off+500*time.Millisecond {
			t.Errorf("%s: the workload took %v, with spans off %v: the tracer slowed down", c.name, c.best, off)
		}
	}
	if got := cases[1].m.get("syscall_exporter_spans_dropped_total", "reason", "rate_limited"); got == 0 {
		t.Error("refused, default limits: nothing rate limited")
	}
	if got := cases[2].m.get("syscall_exporter_spans_dropped_total", "reason", "queue_full"); got == 0 {
		t.Error("hanging receiver, no rate limit: the queue never filled")
	}
}

// cpuTime is the user+system CPU time a process has used so far.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the parenthesised comm; utime and stime are 14 and 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// blackhole accepts connections and never answers, like a receiver that
// hangs; it returns its URL.
func blackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

func TestOTLPBadSettingsSayWhich(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--spans.sample-ratio=2"}, "--spans.*: sample ratio 2: want a number from 0 to 1"},
		{[]string{"--spans.ignore-errno=ENOSUCH"}, `--spans.ignore-errno: unknown errno "ENOSUCH"`},
		{[]string{"--spans.max-per-second=-1"}, "--spans.*: max spans per second -1: must not be negative"},
		{[]string{"--spans.burst=0"}, "--spans.*: burst 0: must be at least 1 with a rate limit"},
		{[]string{"--otlp.endpoint=localhost:4318"}, "--otlp.endpoint=localhost:4318: want an http or https URL"},
		{[]string{"--otlp.endpoint=http://127.0.0.1:1", "--otlp.protocol=http/json"}, "--otlp.protocol=http/json: want http/protobuf or grpc"},
		{[]string{"--otlp.headers=nokey"}, "--otlp.headers"},
	} {
		cmd := exec.Command(exporterBin, append([]string{"--web.listen-address=127.0.0.1:0", "--pid", "1"}, tc.args...)...)
		var out bytes.Buffer
		cmd.Stderr = &out
		cmd.Run()
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if code := cmd.ProcessState.ExitCode(); code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tc.says) {
			t.Errorf("%v: exit %d, output %q; want exit 2 and one line saying %q", tc.args, code, out.String(), tc.says)
		}
	}
}

type exemplar struct {
	traceID, spanID string
	value           float64
	le              string // for histogram buckets
}

var (
	exemplarPartRe = regexp.MustCompile(` # \{([^}]*)\} (\S+)`)
	traceIDRe      = regexp.MustCompile(`trace_id="([0-9a-f]{32})"`)
	spanIDRe       = regexp.MustCompile(`span_id="([0-9a-f]{16})"`)
	leRe           = regexp.MustCompile(`le="([^"]+)"`)
)

// exemplarsOf returns the exemplars of the samples of metric that have all
// the label pairs.
func exemplarsOf(t *testing.T, body, metric string, pairs ...string) []exemplar {
	t.Helper()
	var out []exemplar
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
		m := exemplarPartRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		tr, sp := traceIDRe.FindStringSubmatch(m[1]), spanIDRe.FindStringSubmatch(m[1])
		v, err := strconv.ParseFloat(m[2], 64)
		if tr == nil || sp == nil || err != nil {
			t.Errorf("malformed exemplar: %s", line)
			continue
		}
		ex := exemplar{traceID: tr[1], spanID: sp[1], value: v}
		if le := leRe.FindStringSubmatch(line); le != nil {
			ex.le = le[1]
		}
		out = append(out, ex)
	}
	return out
}

func scrapeOpenMetricsText(t *testing.T, addr string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Fatalf("asked for OpenMetrics, got %s", ct)
	}
	return string(b)
}
