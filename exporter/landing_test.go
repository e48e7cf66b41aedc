package exporter

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// fed is a real collector that has seen an exactly known set of calls
// from this thread.
func fed(t *testing.T) *collector.Collector {
	t.Helper()
	c := collector.New(collector.Config{})
	th := &backend.Thread{TID: int32(unix.Gettid()), PID: int32(os.Getpid()), Process: "app", Name: "app"}
	slot := c.ThreadStarted(th)
	add := func(nr uint32, errno uint16, ns int64, n int) {
		for i := 0; i < n; i++ {
			s := backend.Call{Thread: th, Slot: slot, Arch: syscalls.X86_64, Nr: nr, Errno: errno, Entry: 1, Exit: 1 + ns}
			c.SyscallEntered(&s)
			c.SyscallExited(&s)
		}
	}
	add(110, 0, 50_000, 40)                // getppid: 2 ms in all, the top
	add(257, uint16(unix.ENOENT), 3000, 7) // openat: 21 µs, all failing
	add(257, uint16(unix.EACCES), 3000, 2)
	add(0, 0, 1000, 5) // read: 5 µs
	return c
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// rowRe matches a row of the syscall table: % time, calls, errors, syscall.
var rowRe = regexp.MustCompile(`<tr><td class="num">([\d.]+)</td>.*?<td class="num">(\d+)</td><td class="num">(\d*)[^<]*(?:<span class="errnos">([^<]*)</span>)?</td><td class="num">([^<]*)</td><td class="mono">(\w+)</td></tr>`)

func TestLandingPageShowsTheSummaryTable(t *testing.T) {
	h := NewLandingPage(LandingConfig{Collector: fed(t), TelemetryPath: "/metrics", Version: "v-test"})
	rec := get(t, h, "GET", "/")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	rows := rowRe.FindAllStringSubmatch(page, -1)
	if len(rows) != 3 {
		t.Fatalf("%d syscall rows, want 3:\n%s", len(rows), page)
	}
	// By time: getppid 2 ms, openat 27 µs, read 5 µs.
	want := [][]string{
		{"getppid", "40", ""},
		{"openat", "9", "9"},
		{"read", "5", ""},
	}
	for i, w := range want {
		r := rows[i]
		if r[6] != w[0] || r[2] != w[1] || r[3] != w[2] {
			t.Errorf("row %d: %s calls=%s errors=%s, want %v", i, r[6], r[2], r[3], w)
		}
	}
	if rows[1][4] != "ENOENT×7 EACCES×2" {
		t.Errorf("openat errnos %q", rows[1][4])
	}
	// p99 of forty 50 µs calls, interpolated in the native bucket holding
	// them, (2^(-115/8), 2^(-114/8)] s ≈ (47.05, 51.31] µs.
	if p99 := rows[0][5]; p99 != "51.3 µs" {
		t.Errorf("getppid p99 %q", p99)
	}
	for _, s := range []string{
		`<meta http-equiv="refresh" content="5">`,
		`<a href="./metrics">Metrics</a>`, `<a href="./healthz">`, `<a href="./readyz">`,
		`<td class="num">54</td><td class="num">9</td>`, // the total line
		`v-test`,
		`Nothing is traced right now.`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the page has a script; it should need none")
	}
}

func TestLandingPageListsTopRowsOnly(t *testing.T) {
	h := NewLandingPage(LandingConfig{Collector: fed(t), TelemetryPath: "/custom", TopSyscalls: 2, Refresh: 1500 * time.Millisecond})
	page := get(t, h, "GET", "/").Body.String()
	if rows := rowRe.FindAllStringSubmatch(page, -1); len(rows) != 2 || rows[0][6] != "getppid" || rows[1][6] != "openat" {
		t.Errorf("rows %v, want getppid and openat", rows)
	}
	for _, s := range []string{"The top 2 of 3 syscalls", `<a href="./custom">/custom</a>`, `content="2"`} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestLandingPageListsTargetsEscaped(t *testing.T) {
	me := os.Getpid()
	targets := []backend.Target{
		{PID: 100, PPID: me, Name: "<b>launched</b>", Launched: true, Threads: []backend.TargetThread{
			{TID: 100, Name: "main", State: "S (sleeping)", Attach: "traced"},
			{TID: 101, Name: `"quoted"&`, State: "R (running)", Attach: "not traced"},
		}, MoreThreads: 3},
		{PID: 200, PPID: 100, Name: "child", Threads: []backend.TargetThread{{TID: 200, Name: "child", State: "t (tracing stop)", Attach: "traced"}}},
		{PID: 300, PPID: 1, Name: "other", Threads: []backend.TargetThread{{TID: 300, Name: "other", State: "S (sleeping)", Attach: "traced by TID 999"}}},
	}
	var asked [2]int
	h := NewLandingPage(LandingConfig{TelemetryPath: "/metrics", Targets: func(procs, threads int) ([]backend.Target, int) {
		asked = [2]int{procs, threads}
		return targets, 4
	}})
	page := get(t, h, "GET", "/").Body.String()
	if asked != [2]int{landingMaxProcs, landingMaxThreads} {
		t.Errorf("asked for %v", asked)
	}
	for _, s := range []string{
		"Traced now: 7 processes, 7 threads", // 3 listed + 4 more; 5 threads listed + 3 more (the unlisted processes' are unknown)
		"&lt;b&gt;launched&lt;/b&gt;", "&#34;quoted&#34;&amp;",
		`rowspan="2">launched</td>`, `>child of 100</td>`, `>attached</td>`,
		`<td class="traced">traced</td>`, `<td class="untraced">not traced</td>`, `<td class="untraced">traced by TID 999</td>`,
		"… and 3 more threads", "… and 4 more processes",
		"No syscall counted yet.",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(page, "<b>launched") {
		t.Error("a process name went into the page unescaped")
	}
}

func TestLandingPageOnlyAtTheRoot(t *testing.T) {
	h := NewLandingPage(LandingConfig{})
	if code := get(t, h, "GET", "/nope").Code; code != 404 {
		t.Errorf("GET /nope: %d, want 404", code)
	}
	if rec := get(t, h, "POST", "/"); rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	if code := get(t, h, "HEAD", "/").Code; code != 200 {
		t.Errorf("HEAD /: %d", code)
	}
}

// A bcrypt hash (cost 4) of "landing-secret".
const landingSecretHash = "$2a$04$N9J.qhwZlKszsPtjuU6fT.J3kVAP6W2G81OBMSJmkTRh3MfKHoDFS"

func TestLandingPageSitsBehindBasicAuth(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(cfgFile, []byte("basic_auth_users:\n  admin: "+landingSecretHash+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(Config{ListenAddresses: []string{"127.0.0.1:0"}, WebConfigFile: cfgFile, TelemetryPath: "/metrics"},
		Handlers{Gatherer: prometheus.NewRegistry(), Landing: NewLandingPage(LandingConfig{Collector: fed(t), TelemetryPath: "/metrics"})})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Shutdown(t.Context())
	url := "http://" + srv.Addrs()[0].String() + "/"
	fetch := func(user, pass string) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := fetch("", ""); code != 401 || strings.Contains(body, "getppid") {
		t.Errorf("no credentials: %d, and the page leaked: %v", code, strings.Contains(body, "getppid"))
	}
	if code, _ := fetch("admin", "wrong"); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	if code, body := fetch("admin", "landing-secret"); code != 200 || !strings.Contains(body, ">getppid<") {
		t.Errorf("with credentials: %d\n%s", code, body)
	}
}

// Calls count at entry (collector.SyscallEntered); the page says so.
func TestLandingPageSaysCallsCountAtEntry(t *testing.T) {
	page := get(t, NewLandingPage(LandingConfig{Collector: fed(t), TelemetryPath: "/metrics"}), "GET", "/").Body.String()
	if !strings.Contains(page, "A call counts when it is entered") || strings.Contains(page, "when it completes") {
		t.Error("the note on the table does not say calls count at entry")
	}
}
