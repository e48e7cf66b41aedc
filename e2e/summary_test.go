package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/summary"
)

// runExporter runs the exporter to completion in launch mode, with the
// command's stdout on /dev/null, and returns what it wrote on stderr.
func runExporter(t *testing.T, args ...string) string {
	t.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(exporterBin, append([]string{"--backend=" + backendOf(t), "--web.listen-address=127.0.0.1:0", "--log.level=warn"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = devnull, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("exporter %v: %v\n%s", args, err, stderr.String())
	}
	return stderr.String()
}

func compileSummarySchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(summary.Schema))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("summary.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile("summary.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// jsonSummary is the part of the JSON form the tests read.
type jsonSummary struct {
	By     string
	Groups []struct {
		Labels   map[string]string
		Syscalls []struct {
			Syscall string
			Calls   int
			Errors  int
			Errnos  map[string]int
		}
		Total struct{ Calls, Errors int }
	}
}

// readJSONSummary validates a summary file against the schema and reads it.
func readJSONSummary(t *testing.T, sch *jsonschema.Schema, path string) jsonSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", path, err, b)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s does not follow the schema: %v", path, err)
	}
	var s jsonSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSummaryMatchesStraceC(t *testing.T) {
	eachBackend(t, testSummaryMatchesStraceC)
}

func testSummaryMatchesStraceC(t *testing.T) {
	testprog.RequireTracing(t)
	if _, err := os.Stat("/usr/include"); err != nil {
		t.Skip("no /usr/include to walk")
	}
	dir := t.TempDir()
	want := testprog.RunStraceC(t, 10, testprog.FindCommand...)
	wantCalls, wantErrs := want.Counts()

	// The default: text, on stderr, when the command exits.
	text := runExporter(t, append([]string{"--summary", "--"}, testprog.FindCommand...)...)
	ours, err := testprog.ParseStraceTables(text)
	if err != nil || len(ours) != 1 || ours[""] == nil {
		t.Fatalf("our summary does not parse as strace -c's layout (%v):\n%s", err, text)
	}
	got := ours[""]
	got.Check(t, "our table")
	want.Check(t, "strace's table")
	if got.Header != want.Header || got.Rule != want.Rule {
		t.Errorf("header and rule differ from strace's:\n%s\n%s\nvs\n%s\n%s", got.Header, got.Rule, want.Header, want.Rule)
	}
	calls, errs := got.Counts()
	// strace -c counts a call when it returns, so exit_group, which never
	// does, is missing from its table; we count it, as the kernel does.
	if calls["exit_group"] != 1 {
		t.Errorf("exit_group: %d calls, want 1", calls["exit_group"])
	}
	delete(calls, "exit_group")
	testprog.CompareCounts(t, "calls", "strace -f -c", calls, wantCalls)
	testprog.CompareCounts(t, "errors", "strace -f -c", errs, wantErrs)
	t.Logf("%d syscalls, %d calls, %d errors: equal to strace -f -c's", len(wantCalls), got.Total.Calls-1, got.Total.Errors)

	// The JSON form of another run of the same program says the same.
	jsonOut := filepath.Join(dir, "summary.json")
	runExporter(t, append([]string{"--summary.format=json", "--summary.output", jsonOut, "--"}, testprog.FindCommand...)...)
	s := readJSONSummary(t, compileSummarySchema(t), jsonOut)
	if s.By != "syscall" || len(s.Groups) != 1 || len(s.Groups[0].Labels) != 0 {
		t.Fatalf("JSON summary: by %q, %d groups", s.By, len(s.Groups))
	}
	jcalls, jerrs := map[string]int{}, map[string]int{}
	for _, r := range s.Groups[0].Syscalls {
		jcalls[r.Syscall] = r.Calls
		if r.Errors != 0 {
			jerrs[r.Syscall] = r.Errors
		}
	}
	delete(jcalls, "exit_group")
	testprog.CompareCounts(t, "JSON calls", "strace -f -c", jcalls, wantCalls)
	testprog.CompareCounts(t, "JSON errors", "strace -f -c", jerrs, wantErrs)
}

func TestSummaryByThread(t *testing.T) {
	testprog.RequireTracing(t)
	prog := testprog.Build(t, "workload")
	out := filepath.Join(t.TempDir(), "summary.txt")
	runExporter(t, "--summary.by=thread", "--summary.output", out, "--",
		prog, "-t", "2", "-g", "300", "-e", "5", "-s", "2", "-m", "1", "-f", "7")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := testprog.ParseStraceTables(string(b))
	if err != nil {
		t.Fatalf("%v:\n%s", err, b)
	}
	row := func(heading, syscall string) testprog.StraceRow {
		tb := tables[heading]
		if tb == nil {
			t.Errorf("no table for %s:\n%s", heading, b)
			return testprog.StraceRow{}
		}
		for _, r := range tb.Rows {
			if r.Name == syscall {
				return r
			}
		}
		return testprog.StraceRow{}
	}
	for _, tc := range []struct {
		heading, syscall string
		calls, errors    int
	}{
		{`process="workload" thread="getter-0"`, "getppid", 300, 0},
		{`process="workload" thread="getter-1"`, "getppid", 300, 0},
		{`process="workload" thread="opener"`, "openat", 5, 5},
		{`process="workload" thread="sleeper"`, "nanosleep", 2, 0},
		{`process="forked" thread="forked"`, "getppid", 7, 0},
		{`process="true" thread="true"`, "exit_group", 1, 0},
		{`process="workload" thread="workload"`, "getppid", 0, 0}, // the main thread calls none
	} {
		if r := row(tc.heading, tc.syscall); r.Calls != tc.calls || r.Errors != tc.errors {
			t.Errorf("%s %s: %d calls %d errors, want %d and %d", tc.heading, tc.syscall, r.Calls, r.Errors, tc.calls, tc.errors)
		}
	}
	for heading, tb := range tables {
		tb.Check(t, heading)
	}
}

func TestSIGUSR1PrintsTheSummarySoFarWithoutDetaching(t *testing.T) {
	testprog.RequireTracing(t)
	sch := compileSummarySchema(t)
	w := startWorkload(t, "-w", "-l", "-g", "50", "-e", "3", "-f", "-1")
	out := filepath.Join(t.TempDir(), "summary.json")
	e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid), "--summary.by=thread", "--summary.format=json", "--summary.output", out)
	eventually(t, 30*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a summary before any was asked for: %v", err)
	}

	opener := func(s jsonSummary) (calls, enoent int) {
		for _, g := range s.Groups {
			if g.Labels["thread"] != "opener" {
				continue
			}
			for _, r := range g.Syscalls {
				if r.Syscall == "openat" {
					return r.Calls, r.Errnos["ENOENT"]
				}
			}
		}
		return -1, -1
	}
	for round := 1; round <= 2; round++ {
		os.Remove(out)
		e.cmd.Process.Signal(syscall.SIGUSR1)
		eventually(t, 10*time.Second, "the summary file", func() bool { _, err := os.Stat(out); return err == nil })
		if calls, enoent := opener(readJSONSummary(t, sch, out)); calls != 3 || enoent != 3 {
			t.Errorf("round %d: opener openat %d calls, %d ENOENT; want 3 and 3", round, calls, enoent)
		}
		select {
		case <-e.done:
			t.Fatalf("SIGUSR1 ended the exporter: %v", e.status)
		default:
		}
		// Still traced: every thread's tracer is the exporter.
		_, tracers := testprog.ProcStatus(w.cmd.Process.Pid)
		for tid, tr := range tracers {
			if tr == 0 {
				t.Errorf("round %d: thread %d untraced after SIGUSR1", round, tid)
			}
		}
	}

	// Detaching prints the final summary too (--summary.output implies
	// --summary), and the target runs on.
	os.Remove(out)
	e.cmd.Process.Signal(syscall.SIGTERM)
	if ws := e.wait(t, 10*time.Second); ws.ExitStatus() != 0 {
		t.Errorf("exporter exit status %v after SIGTERM", ws)
	}
	if calls, enoent := opener(readJSONSummary(t, sch, out)); calls != 3 || enoent != 3 {
		t.Errorf("at detach: opener openat %d calls, %d ENOENT", calls, enoent)
	}
	w.stdin.Close()
	if code := w.exitCode(t); code != 0 {
		t.Errorf("target exit code %d after detach", code)
	}
}

func TestSIGUSR1WithoutSummaryFlagsPrintsOnStderr(t *testing.T) {
	testprog.RequireTracing(t)
	w := startWorkload(t, "-w", "-l", "-g", "20", "-e", "2", "-f", "-1")
	e := startExporter(t, "--pid", strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 30*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })
	e.cmd.Process.Signal(syscall.SIGUSR1)
	eventually(t, 10*time.Second, "a summary on stderr", func() bool { return strings.Contains(e.stderr.String(), " total\n") })
	text := e.stderr.String()
	text = text[strings.Index(text, "% time"):]
	text = text[:strings.Index(text, " total\n")+len(" total\n")]
	tables, err := testprog.ParseStraceTables(text)
	if err != nil {
		t.Fatalf("%v:\n%s", err, text)
	}
	calls, errs := tables[""].Counts()
	// The main thread's last look at /proc/self/status for its tracer may
	// be traced or not: an openat that succeeds, not counted here.
	if calls["getppid"] != 4*20 || errs["openat"] != 2 {
		t.Errorf("getppid %d (want 80), openat errors %d (want 2):\n%s", calls["getppid"], errs["openat"], text)
	}
	select {
	case <-e.done:
		t.Fatalf("SIGUSR1 ended the exporter: %v", e.status)
	default:
	}
	if m := scrape(t, e.Addr); m.get("syscall_exporter_tracees") != 1 {
		t.Errorf("tracees %v after SIGUSR1, want 1", m.get("syscall_exporter_tracees"))
	}
}

func TestSummaryOutputInAMissingDirectoryIsAUsageError(t *testing.T) {
	testprog.RequireTracing(t)
	cmd := exec.Command(exporterBin, "--web.listen-address=127.0.0.1:0", "--summary.output=/nonexistent/dir/summary.txt", "--", "/bin/true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(stderr.String(), "--summary.output=/nonexistent/dir/summary.txt") || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Errorf("exit %d, want 2 and one line naming the flag:\n%s", code, stderr.String())
	}
}
