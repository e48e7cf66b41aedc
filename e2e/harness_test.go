// Package e2e runs the real exporter binary against real programs, and
// scrapes it over HTTP as Prometheus would.
package e2e

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

var exporterBin string

func TestMain(m *testing.M) {
	flag.Parse()
	countClusterTests()
	dir, err := os.MkdirTemp("", "syscall_exporter-e2e-")
	if err != nil {
		panic(err)
	}
	exporterBin = filepath.Join(dir, "syscall_exporter")
	build := exec.Command("go", "build", "-buildvcs=true", "-race", "-o", exporterBin, "../cmd/syscall_exporter")
	if os.Getenv("E2E_NO_RACE") != "" {
		build = exec.Command("go", "build", "-buildvcs=true", "-o", exporterBin, "../cmd/syscall_exporter")
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the exporter:", err)
		os.Exit(1)
	}
	code := m.Run()
	stopCluster()
	os.RemoveAll(dir)
	os.Exit(code)
}

// exporter is a running syscall_exporter process.
type exporter struct {
	cmd    *exec.Cmd
	Addr   string // host:port it listens on
	stderr *syncBuffer
	done   chan struct{}
	status syscall.WaitStatus
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRe = regexp.MustCompile(`msg="Listening on" address=(\S+)`)

// startExporter runs the exporter on a free loopback port with args and
// waits until it serves. The test fails if it has not exited by cleanup.
func startExporter(t *testing.T, args ...string) *exporter {
	t.Helper()
	testprog.RequireTracing(t)
	e := &exporter{stderr: &syncBuffer{}, done: make(chan struct{})}
	full := append([]string{"--web.listen-address=127.0.0.1:0"}, args...)
	if b := backendOf(t); b != "ptrace" {
		full = append([]string{"--backend=" + b}, full...)
	}
	e.cmd = exec.Command(exporterBin, full...)
	e.cmd.Stderr = e.stderr
	e.cmd.Stdout = e.stderr
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		e.cmd.Wait()
		e.status = e.cmd.ProcessState.Sys().(syscall.WaitStatus)
		close(e.done)
	}()
	t.Cleanup(func() {
		select {
		case <-e.done:
		default:
			e.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-e.done:
			case <-time.After(10 * time.Second):
				e.cmd.Process.Kill()
				t.Errorf("exporter did not exit on SIGTERM; log:\n%s", e.stderr)
			}
		}
		if t.Failed() {
			t.Logf("exporter log:\n%s", e.stderr)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRe.FindStringSubmatch(e.stderr.String()); m != nil {
			e.Addr = m[1]
			e.followAttaches()
			return e
		}
		select {
		case <-e.done:
			t.Fatalf("exporter exited early (%v):\n%s", e.status, e.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("exporter did not start listening:\n%s", e.stderr)
	return nil
}

// wait waits for the exporter to exit and returns its wait status.
func (e *exporter) wait(t *testing.T, timeout time.Duration) syscall.WaitStatus {
	t.Helper()
	select {
	case <-e.done:
		return e.status
	case <-time.After(timeout):
		t.Fatalf("exporter still running after %v", timeout)
	}
	return 0
}

// scrape fetches /metrics in the text format and parses it.
func scrape(t *testing.T, addr string) metrics {
	t.Helper()
	return scrapeWith(t, http.DefaultClient, "http://"+addr+"/metrics")
}

// scrapeWith is scrape with a client of its own, of a whole URL.
func scrapeWith(t *testing.T, client *http.Client, url string) metrics {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s\n%s", resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bufio.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return fams
}

type metrics map[string]*dto.MetricFamily

// get returns the sample of name whose labels include want, summed over
// the rest: get("syscall_calls_total", "thread", "opener", "syscall", "openat").
func (m metrics) get(name string, want ...string) float64 {
	fam := m[name]
	if fam == nil {
		return 0
	}
	var sum float64
	for _, s := range fam.Metric {
		if !matches(s, want) {
			continue
		}
		switch {
		case s.Counter != nil:
			sum += s.Counter.GetValue()
		case s.Gauge != nil:
			sum += s.Gauge.GetValue()
		case s.Untyped != nil:
			sum += s.Untyped.GetValue()
		case s.Histogram != nil:
			sum += float64(s.Histogram.GetSampleCount())
		}
	}
	return sum
}

// histogram returns the one histogram of name matching want.
func (m metrics) histogram(t *testing.T, name string, want ...string) *dto.Histogram {
	t.Helper()
	fam := m[name]
	if fam == nil {
		t.Fatalf("no %s in scrape", name)
	}
	for _, s := range fam.Metric {
		if matches(s, want) {
			return s.Histogram
		}
	}
	t.Fatalf("no %s%v in scrape", name, want)
	return nil
}

func matches(s *dto.Metric, want []string) bool {
	for i := 0; i+1 < len(want); i += 2 {
		found := false
		for _, l := range s.Label {
			if l.GetName() == want[i] && l.GetValue() == want[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// dump lists the series of a family, for failure messages.
func (m metrics) dump(name string) string {
	fam := m[name]
	if fam == nil {
		return "(none)"
	}
	var lines []string
	for _, s := range fam.Metric {
		var ls []string
		for _, l := range s.Label {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		lines = append(lines, fmt.Sprintf("%v %v", ls, s.GetCounter().GetValue()))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// eventually polls cond until it is true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
