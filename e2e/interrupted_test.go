package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// The EINTR a signal handler makes a call return counts on that call,
// in the summary and in /metrics, and never on rt_sigreturn; a call
// restarted under SA_RESTART counts twice, with no error (eintr.c). On
// both backends.
func TestInterruptedCallsCountTheirEINTR(t *testing.T) {
	testprog.RequireTracing(t)
	eachBackend(t, checkInterruptedCounts)
}

func checkInterruptedCounts(t *testing.T) {
	prog := testprog.Build(t, "eintr")
	want := map[string]struct{ calls, eintr int }{
		"pause": {1, 1}, "rt_sigsuspend": {1, 1}, "nanosleep": {1, 1},
		"read":         {4, 1}, // the loader's, the interrupted one, the restarted one twice
		"rt_sigreturn": {5, 0},
	}

	t.Run("summary", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "summary.json")
		runExporter(t, "--summary.format=json", "--summary.output", out, "--", prog)
		s := readJSONSummary(t, compileSummarySchema(t), out)
		if len(s.Groups) != 1 {
			t.Fatalf("%d groups, want 1", len(s.Groups))
		}
		seen := 0
		for _, r := range s.Groups[0].Syscalls {
			w, ok := want[r.Syscall]
			if !ok {
				continue
			}
			seen++
			if r.Calls != w.calls || r.Errors != w.eintr || r.Errnos["EINTR"] != w.eintr {
				t.Errorf("%s: %d calls, %d errors %v; want %d calls, %d EINTR", r.Syscall, r.Calls, r.Errors, r.Errnos, w.calls, w.eintr)
			}
		}
		if seen != len(want) {
			t.Errorf("%d of the %d syscalls in the summary", seen, len(want))
		}
	})

	t.Run("metrics", func(t *testing.T) {
		// The shell execs eintr's successor only to keep the exporter up.
		e := startExporter(t, "--", "/bin/sh", "-c", prog+" >/dev/null; exec sleep 60")
		var m metrics
		eventually(t, 30*time.Second, "eintr done", func() bool {
			m = scrape(t, e.Addr)
			return m.get("syscall_calls_total", "process", "sleep") > 0
		})
		for name, w := range want {
			if got := m.get("syscall_calls_total", "process", "eintr", "syscall", name); got != float64(w.calls) {
				t.Errorf("%s: %v calls, want %d", name, got, w.calls)
			}
			if got := m.get("syscall_errors_total", "process", "eintr", "syscall", name); got != float64(w.eintr) {
				t.Errorf("%s: %v errors, want %d EINTR:\n%s", name, got, w.eintr, m.dump("syscall_errors_total"))
			}
			if got := m.get("syscall_errors_total", "process", "eintr", "syscall", name, "errno", "EINTR"); got != float64(w.eintr) {
				t.Errorf("%s: %v EINTR, want %d", name, got, w.eintr)
			}
		}
		// The interrupted nanosleep(1 s) lasted until the 50 ms timer.
		h := m.histogram(t, "syscall_duration_seconds", "process", "eintr", "syscall", "nanosleep")
		if h.GetSampleCount() != 1 || h.GetSampleSum() < 0.04 || h.GetSampleSum() > 0.9 {
			t.Errorf("nanosleep: %d observations summing %v s, want one of about 50 ms", h.GetSampleCount(), h.GetSampleSum())
		}
		if got := m.get("syscall_exporter_interrupted_overflow_total"); got != 0 {
			t.Errorf("interrupted overflow %v, want 0", got)
		}
	})
}

// An interrupted call that returned EINTR is a failed call, so it
// becomes a span, with the latency it had, unless --spans.ignore-errno
// lists EINTR. No call is slow enough to be a span for its time. On both
// backends.
func TestInterruptedCallSpans(t *testing.T) {
	testprog.RequireTracing(t)
	j := startJaeger(t)
	eachBackend(t, func(t *testing.T) { checkInterruptedSpans(t, j) })
}

func checkInterruptedSpans(t *testing.T, j *jaeger) {
	prog := testprog.Build(t, "eintr")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	for _, tc := range []struct {
		ignore    string
		wantEINTR int
	}{
		{"--spans.ignore-errno=", 1},
		{"--spans.ignore-errno=EINTR", 0},
	} {
		service := "e2e-eintr-" + backendOf(t) + "-" + strings.TrimPrefix(tc.ignore, "--spans.ignore-errno=")
		t.Setenv("OTEL_SERVICE_NAME", service)
		runExporter(t, "--otlp.endpoint="+jaegerOTLPHTTP, "--spans.slow-threshold=10s", tc.ignore, "--", prog)
		interrupted := []string{"pause", "rt_sigsuspend", "nanosleep", "read"}
		var got map[string]int
		eventually(t, 10*time.Second, "the spans in jaeger", func() bool {
			got = map[string]int{}
			for _, s := range j.spans(t, service) {
				if e := s.tags["error.type"]; e != "" {
					got[s.OperationName+" "+e]++
				}
				if s.OperationName == "nanosleep" && (s.Duration < 40e3 || s.Duration > 900e3) {
					t.Errorf("%s: nanosleep span of %d µs, want about 50 ms", tc.ignore, s.Duration)
				}
			}
			// Without EINTR, the loader's failures come in the same export.
			return tc.wantEINTR == 0 && len(got) > 0 || len(got) >= len(interrupted)
		})
		for _, name := range interrupted {
			if got[name+" EINTR"] != tc.wantEINTR {
				t.Errorf("%s: %d %s spans failed with EINTR, want %d (%v)", tc.ignore, got[name+" EINTR"], name, tc.wantEINTR, got)
			}
		}
		for key := range got {
			if strings.HasPrefix(key, "rt_sigreturn ") {
				t.Errorf("%s: an rt_sigreturn span failed: %v", tc.ignore, got)
			}
		}
	}
}
