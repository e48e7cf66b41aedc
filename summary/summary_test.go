package summary

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// x86_64 numbers, as call() uses AUDIT_ARCH_X86_64.
const (
	nrOpenat    = 257
	nrGetppid   = 110
	nrExitGroup = 231
	nrSchedMax  = 146 // sched_get_priority_max: a name longer than 15
)

// exactCalls feeds calls whose table is known to the digit.
func exactCalls(c *collector.Collector, slot backend.Slot) {
	for i := 0; i < 3; i++ {
		call(c, slot, nrGetppid, 0, 10_000)
	}
	for i := 0; i < 5; i++ {
		call(c, slot, nrOpenat, 0, 2000)
	}
	call(c, slot, nrOpenat, uint16(unix.ENOENT), 3000)
	call(c, slot, nrOpenat, 512, 9000) // ERESTARTSYS: counted, no error, no time
	feed(c, &backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: nrExitGroup})
}

func TestSummaryTextIsStraceLayout(t *testing.T) {
	c := collector.New(collector.Config{})
	exactCalls(c, c.ThreadStarted(self()))
	sum := Of(c.Snapshot(), c.LabelNames(), BySyscall)
	var b strings.Builder
	if err := sum.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	// getppid 30 µs and openat 13 µs of 43 µs; exit_group never returned.
	// usecs/call truncates, and divides by every call: 13000/7 ns → 1.
	want := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 69.77    0.000030          10         3           getppid
 30.23    0.000013           1         7         1 openat
  0.00    0.000000           0         1           exit_group
------ ----------- ----------- --------- --------- ----------------
100.00    0.000043           3        11         1 total
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestSummaryColumnsWidenLikeStrace(t *testing.T) {
	c := collector.New(collector.Config{})
	slot := c.ThreadStarted(self())
	call(c, slot, nrSchedMax, 0, 12_345_678_901) // 12.3 s in one call
	sum := Of(c.Snapshot(), c.LabelNames(), BySyscall)
	var b strings.Builder
	sum.WriteText(&b)
	want := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- -----------------------
100.00   12.345679    12345678         1           sched_get_priority_max
------ ----------- ----------- --------- --------- -----------------------
100.00   12.345679    12345678         1           total
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestSummaryEmptyIsAnEmptyTable(t *testing.T) {
	c := collector.New(collector.Config{})
	sum := Of(c.Snapshot(), c.LabelNames(), BySyscall)
	var b strings.Builder
	sum.WriteText(&b)
	if !strings.HasSuffix(b.String(), "100.00    0.000000           0         0           total\n") {
		t.Errorf("empty summary:\n%s", b.String())
	}
}

func TestSummaryByThreadHasOneTablePerLabelSet(t *testing.T) {
	// By TID, two "threads" of this process are two label sets.
	c := collector.New(collector.Config{ThreadLabel: collector.ThreadByTID})
	pid := int32(os.Getpid())
	busy := c.ThreadStarted(&backend.Thread{TID: 101, PID: pid, Process: "app", Name: "a"})
	idle := c.ThreadStarted(&backend.Thread{TID: 102, PID: pid, Process: "app", Name: "b"})
	exactCalls(c, busy)
	call(c, idle, nrGetppid, 0, 1000)
	call(c, idle, nrOpenat, uint16(unix.EACCES), 1000)

	sum := Of(c.Snapshot(), c.LabelNames(), ByThread)
	if len(sum.Groups) != 2 {
		t.Fatalf("%d groups, want 2", len(sum.Groups))
	}
	comm := "app"
	first, second := sum.Groups[0], sum.Groups[1]
	if first.Labels[1] != "101" || second.Labels[1] != "102" || first.Labels[0] != comm {
		t.Fatalf("groups not by time, or mislabelled: %v then %v", first.Labels, second.Labels)
	}
	if first.Total.Calls != 11 || second.Total.Calls != 2 || second.Total.Errors != 1 {
		t.Errorf("totals %+v and %+v", first.Total, second.Total)
	}

	var b strings.Builder
	sum.WriteText(&b)
	text := b.String()
	head1 := "process=" + strconv.Quote(comm) + ` thread="101"` + "\n% time"
	head2 := "\n\nprocess=" + strconv.Quote(comm) + ` thread="102"` + "\n% time"
	if !strings.HasPrefix(text, head1) || !strings.Contains(text, head2) {
		t.Errorf("tables not headed by their label sets:\n%s", text)
	}
	if strings.Count(text, " total\n") != 2 {
		t.Errorf("want two total lines:\n%s", text)
	}

	// By syscall the same calls fold into one table.
	all := Of(c.Snapshot(), c.LabelNames(), BySyscall)
	if len(all.Groups) != 1 || all.Groups[0].Total.Calls != 13 || all.Groups[0].Labels != nil {
		t.Fatalf("by syscall: %+v", all.Groups)
	}
	for _, r := range all.Groups[0].Rows {
		if r.Syscall == "openat" && (r.Calls != 8 || r.Errors != 2 || len(r.Errnos) != 2) {
			t.Errorf("openat folded: %+v", r)
		}
	}
}

func TestSummaryP99(t *testing.T) {
	c := collector.New(collector.Config{})
	slot := c.ThreadStarted(self())
	for i := 0; i < 99; i++ {
		call(c, slot, nrGetppid, 0, 1000)
	}
	call(c, slot, nrGetppid, 0, 1_000_000)
	feed(c, &backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: nrExitGroup})
	sum := Of(c.Snapshot(), c.LabelNames(), BySyscall)
	for _, r := range sum.Groups[0].Rows {
		switch r.Syscall {
		case "getppid":
			// The 99th of 100 observations is a 1 µs one: its bucket is
			// (2^(-80/8), 2^(-79/8)] s ≈ (0.977, 1.065] µs.
			if r.P99 < 0.97e-6 || r.P99 > 1.07e-6 {
				t.Errorf("getppid p99 %v s, want about 1 µs", r.P99)
			}
		case "exit_group":
			if !math.IsNaN(r.P99) {
				t.Errorf("exit_group p99 %v, want NaN: it never returned", r.P99)
			}
		}
	}
}

func compileSummarySchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		t.Fatal(err)
	}
	const url = "summary.schema.json"
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return sch.Validate(inst)
}

func TestSummaryJSONFollowsItsSchema(t *testing.T) {
	sch := compileSummarySchema(t)
	c := collector.New(collector.Config{PIDLabel: true})
	exactCalls(c, c.ThreadStarted(self()))
	for _, by := range []By{BySyscall, ByThread} {
		sum := Of(c.Snapshot(), c.LabelNames(), by)
		var b bytes.Buffer
		if err := sum.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		if err := validate(t, sch, b.Bytes()); err != nil {
			t.Errorf("by %s: %v\n%s", by, err, b.String())
		}

		var doc struct {
			By     string
			Groups []struct {
				Labels   map[string]string
				Syscalls []struct {
					Syscall    string
					Calls      uint64
					Errors     uint64
					Errnos     map[string]uint64
					Seconds    float64
					P99Seconds *float64 `json:"p99_seconds"`
				}
				Total struct{ Calls, Errors uint64 }
			}
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		g := doc.Groups[0]
		if doc.By != string(by) || g.Total.Calls != 11 || g.Total.Errors != 1 {
			t.Errorf("by %s: %+v", by, doc)
		}
		if by == ByThread && g.Labels["pid"] != strconv.Itoa(os.Getpid()) {
			t.Errorf("by thread: labels %v lack this pid", g.Labels)
		}
		if by == BySyscall && len(g.Labels) != 0 {
			t.Errorf("by syscall: labels %v, want none", g.Labels)
		}
		for _, r := range g.Syscalls {
			switch r.Syscall {
			case "openat":
				if r.Calls != 7 || r.Errnos["ENOENT"] != 1 || r.Seconds != 13e-6 || r.P99Seconds == nil {
					t.Errorf("openat row %+v", r)
				}
			case "exit_group":
				if r.P99Seconds != nil {
					t.Errorf("exit_group p99 %v, want null", *r.P99Seconds)
				}
			}
		}
	}

	// The schema is not vacuous: what the README promises is enforced.
	for name, bad := range map[string]string{
		"missing calls": `{"by":"syscall","label_names":[],"groups":[{"labels":{},"syscalls":[{"syscall":"read","time_percent":1,"seconds":0,"usecs_per_call":0,"errors":0,"errnos":{},"p99_seconds":null}],"total":{"time_percent":100,"seconds":0,"usecs_per_call":0,"calls":1,"errors":0,"errnos":{},"p99_seconds":null}}]}`,
		"unknown by":    `{"by":"process","label_names":[],"groups":[]}`,
		"stray field":   `{"by":"syscall","label_names":[],"groups":[],"extra":1}`,
		"total named":   `{"by":"syscall","label_names":[],"groups":[{"labels":{},"syscalls":[],"total":{"syscall":"total","time_percent":100,"seconds":0,"usecs_per_call":0,"calls":1,"errors":0,"errnos":{},"p99_seconds":null}}]}`,
		"bad errno":     `{"by":"syscall","label_names":[],"groups":[{"labels":{},"syscalls":[],"total":{"time_percent":100,"seconds":0,"usecs_per_call":0,"calls":1,"errors":1,"errnos":{"nope":1},"p99_seconds":null}}]}`,
	} {
		if err := validate(t, sch, []byte(bad)); err == nil {
			t.Errorf("schema accepts a document with %s", name)
		}
	}
}

// self is the test's own thread, named "app".
func self() *backend.Thread {
	return &backend.Thread{TID: int32(os.Getpid()), PID: int32(os.Getpid()), Process: "app", Name: "app"}
}

// feed hands c one call as a per-call backend does: entered, then ended.
func feed(c *collector.Collector, s *backend.Call) {
	if s.Thread == nil {
		s.Thread = self()
	}
	c.SyscallEntered(s)
	c.SyscallExited(s)
}

func call(c *collector.Collector, slot backend.Slot, nr uint32, errno uint16, ns int64) {
	feed(c, &backend.Call{Slot: slot, Arch: syscalls.X86_64, Nr: nr, Errno: errno, Entry: 1, Exit: 1 + ns})
}
