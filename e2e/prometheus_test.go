package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/dashboards"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// The dashboards and the rules, proven on a real Prometheus (Debian's
// package) that scrapes the real exporter tracing burst.c, with the
// test-only copy of the rules whose windows are 60 times shorter.
const (
	promScrapeInterval = time.Second
	promJob            = "syscall-exporter"
	promNamespace      = "e2e"
	promPod            = "e2e-pod"
	// Long enough for the spike alert's 5s rate window and 5s for: to pass,
	// with room for a slow machine.
	burstSeconds = 30
)

// deploy/ is a module of its own: its rules are read by path.
var e2eRulesFile = filepath.Join("..", "deploy", "rules", "syscall_exporter.e2e.rules.yml")

// spansOnNothingSent turns spans on only so that the exporter serves
// syscall_exporter_spans_dropped_total, which the dashboards chart: no
// call is slow (a 0 threshold is off) and the workload's only errnos are
// ignored, so no call qualifies and the endpoint is never dialled.
var spansOnNothingSent = []string{
	"--otlp.endpoint=http://127.0.0.1:9",
	"--spans.slow-threshold=0",
	"--spans.ignore-errno=ENOENT,EAGAIN",
}

// notServedYet are metrics the dashboards chart that the exporter does not
// serve yet. A query reading one is skipped, by name, only while the
// exporter's own /metrics lacks it; once served, it must return data.
var notServedYet = map[string]string{}

// histogramSetups are the choices of what the histogram exposes, and of
// what Prometheus stores of it, that the rules and dashboards must work
// with. Without classic buckets in Prometheus, what needsClassicBuckets
// names has no data, as its description says.
var histogramSetups = []struct {
	name       string
	exporter   []string
	prometheus []string
	noClassic  bool // Prometheus stores no classic buckets
}{
	{name: "default"},
	{name: "6 buckets, no native, no thread", exporter: []string{
		"--metrics.histogram.classic-buckets=0.00001,0.0001,0.001,0.01,0.1,1",
		"--no-metrics.histogram.native",
		"--metrics.histogram.labels=process,syscall",
	}},
	{name: "native stored alone", exporter: []string{"--metrics.histogram.classic-buckets=none"},
		prometheus: []string{"--enable-feature=native-histograms"}, noClassic: true},
}

// needsClassicBuckets are the records and panels that read _bucket{le}.
var needsClassicBuckets = map[string]bool{
	"process_syscall:syscall_duration_seconds_bucket:rate5m_estimated": true,
	"Latency heatmap": true,
}

func TestDashboardsAndRulesOnPrometheus(t *testing.T) {
	testprog.RequireTracing(t)
	promBin := testprog.RequireTool(t, "prometheus", "prometheus")
	for i, setup := range histogramSetups {
		t.Run(setup.name, func(t *testing.T) {
			start := time.Now()
			w := startBurst(t)
			e := startExporter(t, append(append([]string{"--pid", strconv.Itoa(w.cmd.Process.Pid)}, spansOnNothingSent...), setup.exporter...)...)
			p := startPrometheus(t, promBin, e.Addr, setup.prometheus...)
			t.Logf("Prometheus ready %v after the start", time.Since(start).Round(time.Millisecond))
			eventuallyEvery(t, 30*time.Second, "Prometheus to scrape the exporter", func() bool {
				s, err := p.query(fmt.Sprintf(`up{job=%q} == 1`, promJob))
				return err == nil && len(s) == 1
			})
			t.Logf("Prometheus scrapes the exporter %v after the start", time.Since(start).Round(time.Millisecond))

			skip := map[string]bool{}
			if setup.noClassic {
				skip = needsClassicBuckets
			}
			t.Run("RecordingRules", func(t *testing.T) { checkRecordingRules(t, p, skip) })
			t.Run("Dashboards", func(t *testing.T) { checkDashboards(t, p, e.Addr, skip) })
			if i == 0 {
				t.Run("ErrorSpikeAlert", func(t *testing.T) { checkErrorSpikeAlert(t, p, w) })
			}
			t.Logf("whole test: %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

var recordRE = regexp.MustCompile(`(?m)^\s*-\s*record:\s*(\S+)\s*$`)

// checkRecordingRules wants every rule of the file loaded and healthy, and
// every recorded metric to have series.
func checkRecordingRules(t *testing.T, p *promServer, skip map[string]bool) {
	src, err := os.ReadFile(e2eRulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var records []string
	for _, m := range recordRE.FindAllStringSubmatch(string(src), -1) {
		if skip[m[1]] {
			t.Logf("skipped %s: it needs classic buckets", m[1])
			continue
		}
		records = append(records, m[1])
	}
	if len(records) == 0 {
		t.Fatalf("%s: no recording rules found", e2eRulesFile)
	}

	var problems []string
	defer func() {
		if t.Failed() {
			t.Logf("still wrong at the end:\n%s", strings.Join(problems, "\n"))
		}
	}()
	eventuallyEvery(t, 30*time.Second, "every recording rule to produce series", func() bool {
		problems = nil
		rules, err := p.rules()
		if err != nil {
			problems = append(problems, err.Error())
			return false
		}
		loaded := map[string]bool{}
		for _, r := range rules {
			loaded[r.Name] = true
			if r.Health != "ok" {
				problems = append(problems, fmt.Sprintf("%s rule %s: health %q %s", r.Type, r.Name, r.Health, r.LastError))
			}
		}
		for _, name := range records {
			if !loaded[name] {
				problems = append(problems, name+": not loaded")
				continue
			}
			if err := wantNumbers(p, name); err != nil {
				problems = append(problems, name+": "+err.Error())
			}
		}
		return len(problems) == 0
	})
	t.Logf("%d recording rules produce series", len(records))
}

// checkDashboards runs every variable's query and every panel's query as
// Grafana would, with the variables set to this Prometheus' target.
func checkDashboards(t *testing.T, p *promServer, exporterAddr string, skip map[string]bool) {
	files, err := filepath.Glob(filepath.Join("..", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards found: %v", err)
	}
	vars := map[string]string{
		"job":       promJob,
		"namespace": promNamespace,
		"pod":       promPod,
		// Multi-selects set to All: their allValue.
		"process": ".+",
		"thread":  ".*", // also where the histogram keeps no thread label
		"syscall": ".+",
		// Grafana's rule: at least 4 scrape intervals, so a window always
		// holds two samples.
		"__rate_interval": fmt.Sprintf("%ds", int(4*promScrapeInterval/time.Second)),
		"__interval":      fmt.Sprintf("%ds", int(promScrapeInterval/time.Second)),
	}
	// A value each variable must offer, where the test knows it.
	wantValue := map[string]string{
		"job":       promJob,
		"namespace": promNamespace,
		"pod":       promPod,
		"process":   "burst",
		"thread":    "burst",
		"syscall":   "openat",
	}

	served := scrape(t, exporterAddr)
	// A variable's check has its label and the value it must offer, if any.
	type check struct{ what, expr, label, want string }
	var checks []check
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		vqs, err := dashboards.VariableQueries(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range vqs {
			match, label, ok := v.LabelValues()
			if !ok {
				t.Errorf("%s: variable %s: %q is not label_values(…); this test cannot run it", name, v.Name, v.Query)
				continue
			}
			checks = append(checks, check{what: fmt.Sprintf("%s: variable %s", name, v.Name),
				expr: dashboards.Substitute(match, vars), label: label, want: wantValue[v.Name]})
		}
		qs, err := dashboards.Queries(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, q := range qs {
			what := fmt.Sprintf("%s: panel %q query %s", name, q.Panel, q.RefID)
			if skip[q.Panel] {
				t.Logf("skipped %s: it needs classic buckets, as its description says", what)
				continue
			}
			if missing := unservedMetric(q.Expr, served); missing != "" {
				t.Logf("skipped %s: it reads %s, which the exporter does not serve (%s)", what, missing, notServedYet[missing])
				continue
			}
			checks = append(checks, check{what: what, expr: dashboards.Substitute(q.Expr, vars)})
		}
	}

	var empty []string
	defer func() {
		if t.Failed() {
			t.Logf("without data at the end:\n%s", strings.Join(empty, "\n"))
		}
	}()
	eventuallyEvery(t, 30*time.Second, "every dashboard query to return data", func() bool {
		empty = nil
		for _, c := range checks {
			if c.label == "" {
				if err := wantNumbers(p, c.expr); err != nil {
					empty = append(empty, fmt.Sprintf("%s: %v\n    %s", c.what, err, c.expr))
				}
				continue
			}
			values, err := p.labelValues(c.label, c.expr)
			switch {
			case err != nil:
				empty = append(empty, fmt.Sprintf("%s: %v", c.what, err))
			case len(values) == 0:
				empty = append(empty, fmt.Sprintf("%s: no values for %s{%s}", c.what, c.label, c.expr))
			case c.want != "" && !slices.Contains(values, c.want):
				empty = append(empty, fmt.Sprintf("%s: values %q lack %q", c.what, values, c.want))
			}
		}
		return len(empty) == 0
	})
	t.Logf("%d dashboard and variable queries return data", len(checks))
}

var metricNameRE = regexp.MustCompile(`\bsyscall_exporter_\w+`)

// unservedMetric returns the metric of notServedYet that expr reads and the
// exporter does not serve, or "".
func unservedMetric(expr string, served metrics) string {
	for _, name := range metricNameRE.FindAllString(expr, -1) {
		if _, listed := notServedYet[name]; listed && served[name] == nil {
			return name
		}
	}
	return ""
}

// errnoFilterRE is the alert's exclusion of the benign errnos.
var errnoFilterRE = regexp.MustCompile(`\{errno!~"[^"]*"\}`)

type spikeKey struct{ process, syscall, errno string }

func (k spikeKey) String() string { return k.process + "/" + k.syscall + "/" + k.errno }

// checkErrorSpikeAlert lets the workload build a baseline, starts its
// burst, and wants SyscallErrorRateSpike to fire for openat ENOENT and for
// nothing else: not for read EAGAIN, whose spike only the benign-errno
// exclusion hides, nor for faccessat ENOENT, under the errors/s floor.
func checkErrorSpikeAlert(t *testing.T, p *promServer, w *workload) {
	const alertName = "SyscallErrorRateSpike"
	rules, err := p.rules()
	if err != nil {
		t.Fatal(err)
	}
	var alertExpr string
	for _, r := range rules {
		if r.Type == "alerting" && r.Name == alertName {
			alertExpr = r.Query
		}
	}
	if alertExpr == "" {
		t.Fatalf("%s is not loaded from %s", alertName, e2eRulesFile)
	}
	filters := errnoFilterRE.FindAllString(alertExpr, -1)
	if len(filters) != 1 || !strings.Contains(filters[0], "EAGAIN") {
		t.Fatalf("%s: want one errno!~ matcher that excludes EAGAIN, found %q in\n%s", alertName, filters, alertExpr)
	}
	unfiltered := errnoFilterRE.ReplaceAllString(alertExpr, "")

	// History: the e2e rules' baseline is the minute before the last 5s. Ask
	// for 10 samples of openat's calls there, and a non-zero mean ratio for
	// both errnos that will burst, so each spike is measured against a mean
	// of its own, not against the 0 an unseen errno counts as.
	for _, q := range []string{
		`count_over_time(process_syscall:syscall_calls:rate5m_estimated{process="burst", syscall="openat"}[1m] offset 5s) >= 10`,
		`avg_over_time(process_syscall:syscall_errors:ratio_rate5m{process="burst", syscall="openat", errno="ENOENT"}[1m] offset 5s) > 0`,
		`avg_over_time(process_syscall:syscall_errors:ratio_rate5m{process="burst", syscall="read", errno="EAGAIN"}[1m] offset 5s) > 0`,
	} {
		eventuallyEvery(t, 60*time.Second, "a baseline: "+q, func() bool {
			s, err := p.query(q)
			return err == nil && len(s) > 0
		})
	}
	if alerts, err := p.alerts(alertName); err != nil || len(alerts) > 0 {
		t.Fatalf("before the burst: %s active: %+v (err %v)", alertName, alerts, err)
	}

	if _, err := io.WriteString(w.stdin, "burst\n"); err != nil {
		t.Fatal(err)
	}
	burstAt := time.Now()
	want := spikeKey{"burst", "openat", "ENOENT"}
	alerted := map[spikeKey]string{}  // the furthest state each reached
	overFloors := map[spikeKey]bool{} // met the alert's conditions but the errno filter
	var faccessatOverRatioFloor bool  // only the errors/s floor can keep it quiet
	var firingAfter, pendingAfter time.Duration
	var lastErr error
	observe := func() {
		alerts, err := p.alerts(alertName)
		if err != nil {
			lastErr = err
			return
		}
		for _, a := range alerts {
			k := spikeKey{a.Labels["process"], a.Labels["syscall"], a.Labels["errno"]}
			if alerted[k] != "firing" {
				alerted[k] = a.State
			}
			if k == want && a.State == "pending" && pendingAfter == 0 {
				pendingAfter = time.Since(burstAt)
			}
			if k == want && a.State == "firing" && firingAfter == 0 {
				firingAfter = time.Since(burstAt)
				if a.Labels["namespace"] != promNamespace || a.Labels["pod"] != promPod || a.Labels["severity"] == "" {
					t.Errorf("firing alert's labels: %v", a.Labels)
				}
			}
		}
		s, err := p.query(unfiltered)
		if err != nil {
			lastErr = err
		}
		for _, x := range s {
			overFloors[spikeKey{x.Metric["process"], x.Metric["syscall"], x.Metric["errno"]}] = true
		}
		s, err = p.query(`process_syscall:syscall_errors:ratio_rate5m{process="burst", syscall="faccessat", errno="ENOENT"} > 0.05`)
		if err != nil {
			lastErr = err
		}
		if len(s) > 0 {
			faccessatOverRatioFloor = true
		}
	}
	eagain := spikeKey{"burst", "read", "EAGAIN"}
	defer func() {
		if t.Failed() {
			t.Logf("alerts seen: %v; conditions met without the errno filter: %v; faccessat ENOENT over 5%%: %v; last error: %v",
				alerted, overFloors, faccessatOverRatioFloor, lastErr)
		}
	}()
	eventuallyEvery(t, (burstSeconds-5)*time.Second, "openat ENOENT to fire, and read EAGAIN and faccessat ENOENT to spike", func() bool {
		observe()
		return alerted[want] == "firing" && overFloors[eagain] && faccessatOverRatioFloor
	})
	// A spike of any other call would be pending by now; look a little longer.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		observe()
	}
	t.Logf("%s for openat ENOENT: pending %v and firing %v after the burst began",
		alertName, pendingAfter.Round(time.Millisecond), firingAfter.Round(time.Millisecond))

	var others []string
	for k, state := range alerted {
		if k != want {
			others = append(others, k.String()+" "+state)
		}
	}
	sort.Strings(others)
	if len(others) > 0 {
		t.Errorf("%s active for other calls: %v", alertName, others)
	}
}

// startBurst runs burst.c, which the exporter will attach to; the burst
// starts when a line is written to its stdin.
func startBurst(t *testing.T) *workload {
	t.Helper()
	prog := testprog.Build(t, "burst")
	w := &workload{stdout: &syncBuffer{}, done: make(chan struct{})}
	w.cmd = exec.Command(prog, strconv.Itoa(burstSeconds))
	w.cmd.Stdout = w.stdout
	w.cmd.Stderr = w.stdout
	var err error
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.cmd.Process.Kill()
		<-w.done
	})
	eventually(t, 5*time.Second, "burst ready", func() bool { return strings.Contains(w.stdout.String(), "ready") })
	return w
}

// promServer is a running Prometheus.
type promServer struct {
	cmd  *exec.Cmd
	url  string
	log  *syncBuffer
	done chan struct{}
}

// startPrometheus runs Prometheus on a free loopback port, scraping target
// every promScrapeInterval and evaluating the e2e rules as often, and waits
// until it is ready. It is stopped by PID at cleanup.
func startPrometheus(t *testing.T, bin, target string, flags ...string) *promServer {
	t.Helper()
	rules, err := filepath.Abs(e2eRulesFile)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// No native histograms unless flags ask for them: Prometheus 2.42
	// then keeps only the native histogram.
	config := fmt.Sprintf(`global:
  scrape_interval: %[1]s
  scrape_timeout: %[1]s
  evaluation_interval: %[1]s
rule_files:
  - %[2]q
scrape_configs:
  - job_name: %[3]q
    static_configs:
      - targets: [%[4]q]
        labels:
          namespace: %[5]q
          pod: %[6]q
`, promScrapeInterval, rules, promJob, target, promNamespace, promPod)
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	p := &promServer{url: "http://" + addr, log: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{
		"--config.file=" + configFile,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
	}, flags...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
			t.Error("Prometheus did not exit on SIGTERM")
		}
		if t.Failed() {
			t.Logf("Prometheus log:\n%s", tail(p.log.String(), 8000))
		}
	})
	eventuallyEvery(t, 30*time.Second, "Prometheus ready", func() bool {
		select {
		case <-p.done:
			t.Fatalf("Prometheus exited: %v\n%s", p.cmd.ProcessState, p.log)
		default:
		}
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// api GETs path of Prometheus' HTTP API and decodes the data it answers.
func (p *promServer) api(path string, params url.Values, data any) error {
	resp, err := http.Get(p.url + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s: %s: %v", path, resp.Status, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, body.ErrorType, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"` // [unix time, "value"]
}

func (s promSample) value() float64 {
	str, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// query evaluates expr now and returns its instant vector.
func (p *promServer) query(expr string) ([]promSample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.api("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("result type %s, want vector", data.ResultType)
	}
	var s []promSample
	err := json.Unmarshal(data.Result, &s)
	return s, err
}

// wantNumbers fails unless expr returns at least one sample that is a
// number: a panel of NaNs draws nothing.
func wantNumbers(p *promServer, expr string) error {
	s, err := p.query(expr)
	if err != nil {
		return err
	}
	for _, x := range s {
		if !math.IsNaN(x.value()) {
			return nil
		}
	}
	if len(s) == 0 {
		return fmt.Errorf("no series")
	}
	return fmt.Errorf("%d series, all NaN", len(s))
}

// labelValues asks what Grafana's label_values(match, label) asks.
func (p *promServer) labelValues(label, match string) ([]string, error) {
	params := url.Values{}
	if match != "" {
		params.Set("match[]", match)
	}
	var values []string
	err := p.api("/api/v1/label/"+label+"/values", params, &values)
	return values, err
}

type promRule struct {
	Type      string `json:"type"` // recording or alerting
	Name      string `json:"name"`
	Query     string `json:"query"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
}

// rules lists the rules of every group.
func (p *promServer) rules() ([]promRule, error) {
	var data struct {
		Groups []struct {
			Rules []promRule `json:"rules"`
		} `json:"groups"`
	}
	if err := p.api("/api/v1/rules", nil, &data); err != nil {
		return nil, err
	}
	var rules []promRule
	for _, g := range data.Groups {
		rules = append(rules, g.Rules...)
	}
	return rules, nil
}

type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"` // pending or firing
}

// alerts returns the active alerts named name.
func (p *promServer) alerts(name string) ([]promAlert, error) {
	var data struct {
		Alerts []promAlert `json:"alerts"`
	}
	if err := p.api("/api/v1/alerts", nil, &data); err != nil {
		return nil, err
	}
	var out []promAlert
	for _, a := range data.Alerts {
		if a.Labels["alertname"] == name {
			out = append(out, a)
		}
	}
	return out, nil
}

// eventuallyEvery is eventually for conditions that cost a few HTTP
// requests: it waits interval between tries.
func eventuallyEvery(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	const interval = 250 * time.Millisecond
	first := true
	eventually(t, timeout, what, func() bool {
		if !first {
			time.Sleep(interval)
		}
		first = false
		return cond()
	})
}
