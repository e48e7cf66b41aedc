package e2e

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// A traced program that dereferences NULL dies as it would untraced
// (its shell sees 139, killed by SIGSEGV), and the exporter, with the
// flight recorder on: logs its thread's last calls in order, ending with
// the write of "ready" and the read that set it off; counts the crash in
// syscall_process_crashes_total; and sends a span of it, status Error
// SIGSEGV, an event per recorded call, to a real receiver.
func TestFlightRecorderReportsACrash(t *testing.T) {
	testprog.RequireTracing(t)
	startJaeger(t)
	const service, ring = "e2e-crash", 8
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	crash := testprog.Build(t, "crash")
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, "--flight-recorder="+strconv.Itoa(ring), "--otlp.endpoint="+jaegerOTLPHTTP,
		"--", sh, "-c", "echo x | "+crash+" segv; echo status=$?; sleep 5")

	eventually(t, 20*time.Second, "the crash counted", func() bool {
		return strings.Contains(e.stderr.String(), "status=") &&
			scrape(t, e.Addr).get("syscall_process_crashes_total", "process", "crash", "signal", "SIGSEGV") == 1
	})
	log := e.stderr.String()
	if !strings.Contains(log, "status=139") {
		t.Errorf("the shell did not see its child killed by SIGSEGV (139):\n%s", log)
	}
	if n := strings.Count(log, `msg="traced process crashed"`); n != 1 {
		t.Fatalf("%d crash records, want 1 (one thread):\n%s", n, log)
	}
	m := regexp.MustCompile(`msg="traced process crashed".* calls=("(?:[^"\\]|\\.)*")`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no calls in the crash record:\n%s", log)
	}
	calls, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(calls, "\n")
	if len(lines) != ring ||
		!regexp.MustCompile(`^write\(1, 0x[0-9a-f]+, 6\) += 6$`).MatchString(lines[ring-2]) ||
		!regexp.MustCompile(`^read\(0, 0x[0-9a-f]+, 1\) += 1$`).MatchString(lines[ring-1]) {
		t.Errorf("recorded calls, want %d ending with the write of ready and the read:\n%s", ring, calls)
	}
	for _, want := range []string{"signal=SIGSEGV", "process=crash", "signaled=true"} {
		if !strings.Contains(log, want) {
			t.Errorf("crash record without %s", want)
		}
	}

	var events []string
	eventually(t, 10*time.Second, "the crash span in jaeger", func() bool {
		events = nil
		for _, s := range crashSpans(t, service) {
			if s.tags["otel.status_code"] == "ERROR" && s.tags["otel.status_description"] == "SIGSEGV" &&
				s.tags["syscall_exporter.crash.signal"] == "SIGSEGV" && s.tags["process.executable.name"] == "crash" {
				events = s.events
			}
		}
		return events != nil
	})
	if len(events) != ring || events[ring-1] != lines[ring-1] {
		t.Errorf("crash span events %q, want the %d recorded calls", events, ring)
	}
}

// crashSpan is a "crash" span as Jaeger returns it, its events' texts in
// order.
type crashSpan struct {
	tags   map[string]string
	events []string
}

func crashSpans(t *testing.T, service string) []crashSpan {
	resp, err := http.Get(jaegerQuery + "/api/traces?service=" + service + "&operation=crash&limit=100&lookback=1h")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			Spans []struct {
				Tags []tag `json:"tags"`
				Logs []struct {
					Fields []tag `json:"fields"`
				} `json:"logs"`
			} `json:"spans"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var spans []crashSpan
	for _, d := range out.Data {
		for _, s := range d.Spans {
			cs := crashSpan{tags: tagMap(s.Tags)}
			for _, l := range s.Logs {
				cs.events = append(cs.events, tagMap(l.Fields)["syscall_exporter.syscall.text"])
			}
			spans = append(spans, cs)
		}
	}
	return spans
}

// SIGUSR2 logs every traced thread's recorded calls, one record each,
// and harms no one: the command runs on and ends as it would have, and
// the exporter exits with its status.
func TestFlightRecorderDumpsOnSIGUSR2(t *testing.T) {
	testprog.RequireTracing(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, "--flight-recorder=4", "--", sh, "-c", "sleep 2; echo slept")
	// Both processes traced: sh waits for sleep, which sleeps.
	eventually(t, 10*time.Second, "sh and sleep traced", func() bool {
		return scrape(t, e.Addr).get("syscall_exporter_targets", "state", "attached") == 2
	})
	time.Sleep(200 * time.Millisecond) // sleep's start-up calls, recorded
	e.cmd.Process.Signal(syscall.SIGUSR2)
	eventually(t, 5*time.Second, "the dump", func() bool {
		return strings.Count(e.stderr.String(), `msg="flight recorder"`) == 2
	})
	log := e.stderr.String()
	for _, process := range []string{"sh", "sleep"} {
		re := regexp.MustCompile(`msg="flight recorder" pid=\d+ process=` + process + ` tid=\d+ thread=` + process + ` calls="[^"]+`)
		if !re.MatchString(log) {
			t.Errorf("no dump record with calls for %s:\n%s", process, log)
		}
	}
	if ws := e.wait(t, 10*time.Second); !ws.Exited() || ws.ExitStatus() != 0 || !strings.Contains(e.stderr.String(), "slept") {
		t.Errorf("after SIGUSR2: exporter %v, command output %q", ws, e.stderr.String())
	}
}
