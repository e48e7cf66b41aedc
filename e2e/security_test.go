package e2e

// A /metrics endpoint that is safe to expose: TLS and basic auth, bounded
// memory whatever names the targets choose, and an exporter that keeps
// only the privileges it needs once attached.

import (
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

func TestTLSAndBasicAuth(t *testing.T) {
	testprog.RequireTracing(t)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir) // landing_test.go
	const user, password = "prometheus", "correct horse battery staple"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(dir, "web.yml")
	config := fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  %s: %s\n", certFile, keyFile, user, hash)
	if err := os.WriteFile(webConfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	const getppids = 300
	w := startWorkload(t, "-w", "-l", "-g", strconv.Itoa(getppids), "-f", "-1")
	e := startExporter(t, "--web.config.file", webConfig, "--pid", strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 20*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(url, user, password string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	base := "https://" + e.Addr

	// The right credentials, over TLS: the exact counts.
	code, body := get(base+"/metrics", user, password)
	if code != http.StatusOK {
		t.Fatalf("scrape with the right credentials: %d\n%s", code, body)
	}
	want := fmt.Sprintf(`syscall_calls_total{process="workload",syscall="getppid",thread="getter-0"} %d`, getppids)
	if !strings.Contains(body, want+"\n") {
		t.Errorf("no %q in the scrape", want)
	}
	// Wrong or no credentials: 401 on every endpoint, and no data.
	for _, path := range []string{"/metrics", "/", "/healthz", "/readyz"} {
		for _, cred := range [][2]string{{user, "wrong"}, {"admin", password}, {"", ""}} {
			if code, body := get(base+path, cred[0], cred[1]); code != http.StatusUnauthorized || strings.Contains(body, "syscall_") {
				t.Errorf("%s as %q/%q: %d, want 401 and nothing else", path, cred[0], cred[1], code)
			}
		}
	}
	// Plain HTTP where TLS is required: refused, nothing served.
	resp, err := http.Get("http://" + e.Addr + "/metrics")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "syscall_") {
			t.Errorf("plain HTTP got %d:\n%s", resp.StatusCode, body)
		}
	}
	// Nor an old TLS version, nor a client that does not trust the cert.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(base + "/metrics"); err == nil {
		resp.Body.Close()
		t.Errorf("TLS 1.1 was accepted")
	}
	if resp, err := http.Get(base + "/metrics"); err == nil {
		resp.Body.Close()
		t.Errorf("a client that does not trust the certificate was served")
	}
	// No debug endpoints.
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine", "/debug/vars"} {
		if code, _ := get(base+path, user, password); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
}

// The series budget: a target gives 50 000 threads a name each; a scrape
// exposes at most --metrics.max-series (default 5 000) series of syscall_*
// metrics, no call is lost, and the exporter's memory stays put once the
// budget is reached.
func TestSeriesCapBoundsMemory(t *testing.T) {
	const threads, checkpoint, getppids, maxSeries = 50000, 10000, 2, 5000
	bin := plainExporter(t) // memory as released: the race detector multiplies it
	p := startProg(t, "churn", "-w", "-u", "-n", strconv.Itoa(threads), "-b", "50", "-g", strconv.Itoa(getppids), "-p", strconv.Itoa(checkpoint), "-l")
	p.waitOutput(t, "ready", 5*time.Second)
	e := startExporterBin(t, bin, "--pid", strconv.Itoa(p.pid()))
	settled := func() metrics {
		t.Helper()
		var m metrics
		eventually(t, 10*time.Second, "tracees back to 1", func() bool {
			m = scrape(t, e.Addr)
			return m.get("syscall_exporter_tracees") == 1
		})
		return m
	}
	p.waitOutput(t, fmt.Sprintf("joined %d\n", checkpoint), 60*time.Second)
	first := settled()
	rssFirst := rssKiB(t, e.cmd.Process.Pid)
	p.stdin.Write([]byte("\n"))
	p.waitOutput(t, fmt.Sprintf("joined %d\n", threads), 180*time.Second)
	m := settled()
	rssLast := rssKiB(t, e.cmd.Process.Pid)

	exported := 0
	for _, name := range []string{"syscall_calls_total", "syscall_errors_total", "syscall_duration_seconds"} {
		for _, s := range m[name].GetMetric() {
			exported++
			if h := s.GetHistogram(); h != nil {
				exported += 2 + len(h.GetBucket()) // _sum, _count, +Inf, buckets
				if n := len(h.GetBucket()); n > 0 && math.IsInf(h.GetBucket()[n-1].GetUpperBound(), +1) {
					exported--
				}
			}
		}
	}
	if held := m.get("syscall_exporter_series"); held > maxSeries || held != float64(exported) {
		t.Errorf("syscall_exporter_series = %v, %d series in the scrape, budget %d", held, exported, maxSeries)
	}
	if dropped := m.get("syscall_exporter_series_dropped_total"); dropped < threads-maxSeries {
		t.Errorf("series_dropped_total = %v, want at least %d", dropped, threads-maxSeries)
	}
	if other := m.get("syscall_calls_total", "process", "churn", "thread", "other", "syscall", "getppid"); other == 0 {
		t.Error(`no calls counted under thread="other"`)
	}
	// No call is lost: a call is counted under its syscall, or, if its
	// label set could not get a series for that syscall, as "other".
	missing := 0.0
	for _, c := range []struct {
		syscall string
		want    int
	}{{"getppid", threads * getppids}, {"exit", threads}, {"prctl", threads}} {
		got := m.get("syscall_calls_total", "syscall", c.syscall)
		if got > float64(c.want) {
			t.Errorf("%s: %v calls over all series, want %d", c.syscall, got, c.want)
		}
		missing += float64(c.want) - got
	}
	if other := m.get("syscall_calls_total", "syscall", "other"); missing > other {
		t.Errorf("%v calls missing from their syscall's series, and only %v counted as syscall=\"other\": folding lost some", missing, other)
	}
	t.Logf("figure: %d threads with names of their own: %v series held (%d exported), %v folded; exporter RSS %d KiB after %d threads, %d KiB after %d (%.2f×)",
		threads, m.get("syscall_exporter_series"), exported, m.get("syscall_exporter_series_dropped_total"),
		rssFirst, checkpoint, rssLast, threads, float64(rssLast)/float64(rssFirst))
	t.Logf("heap: %v bytes allocated (next GC at %v) after %d threads, %v (next GC at %v) after %d",
		first.get("go_memstats_heap_alloc_bytes"), first.get("go_memstats_next_gc_bytes"), checkpoint,
		m.get("go_memstats_heap_alloc_bytes"), m.get("go_memstats_next_gc_bytes"), threads)
	if first.get("syscall_exporter_series_dropped_total") == 0 {
		t.Errorf("the budget was not reached after %d threads (%v series): the memory check below proves nothing", checkpoint, first.get("syscall_exporter_series"))
	}
	// Five times the names; a leak would grow with them, garbage between
	// GC cycles does not. The live heap is small next to the 32 MiB
	// ballast, so that garbage, up to the next GC target, is most of what
	// RSS can grow by: the GC target, twice the heap live at the last
	// cycle, is what must stay put (a leak of 200 bytes a name would move
	// it by 16 MiB; a scrape in flight at the last cycle moves it by a
	// few). RSS stays under the README's bound.
	if grew := m.get("go_memstats_next_gc_bytes") - first.get("go_memstats_next_gc_bytes"); grew > 16<<20 {
		t.Errorf("the GC target grew by %v bytes after the budget was reached: the live heap grows with the names", grew)
	}
	if rssLast > 128<<10 {
		t.Errorf("exporter RSS %d KiB after %d names, over the 128 MiB the README promises", rssLast, threads)
	}
	p.stdin.Close()
	if st := p.wait(t, 10*time.Second); !st.Exited() || st.ExitStatus() != 0 {
		t.Errorf("target status %v", st)
	}
}

// Least privilege: once attached, every thread of the exporter holds only
// --capabilities.keep (default cap_sys_ptrace,cap_dac_read_search) in
// its effective and permitted sets, none inheritable or ambient, and has
// no_new_privs, so no execve can give any back. The second is what
// following a rename needs when the target belongs to another user: the
// exporter reads /proc/PID/fd (mode 0500, owned by the target's user) to
// see that a descriptor the target wrote to is a .../comm file; without
// it the rename goes unseen.
func TestCapabilitiesDroppedAfterAttach(t *testing.T) {
	testprog.RequireTracing(t)
	bin := plainExporter(t) // a cgo build cannot change every thread's capabilities
	const ptraceAndDAC = 1<<19 | 1<<2
	for _, tc := range []struct {
		keep       []string
		caps       uint64
		seesRename bool
	}{
		{nil, ptraceAndDAC, true},
		// Without CAP_DAC_READ_SEARCH the calls after the rename stay
		// under the old name.
		{[]string{"--capabilities.keep=cap_sys_ptrace"}, 1 << 19, false},
	} {
		t.Run(fmt.Sprint(tc.keep), func(t *testing.T) {
			// A program of user nobody renames itself through its comm file.
			dir := t.TempDir()
			os.Chmod(filepath.Dir(dir), 0o755)
			os.Chmod(dir, 0o755)
			renamer := filepath.Join(dir, "renamer")
			copyFile(t, testprog.Build(t, "renamer"), renamer)
			const getppids = 40
			p := exec.Command(renamer, "after", strconv.Itoa(getppids))
			p.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out := &syncBuffer{}
			p.Stdout = out
			stdin, _ := p.StdinPipe()
			if err := p.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Process.Kill(); p.Wait() })
			eventually(t, 5*time.Second, "renamer ready", func() bool { return strings.Contains(out.String(), "ready") })
			e := startExporterBin(t, bin, append([]string{"--pid", strconv.Itoa(p.Process.Pid)}, tc.keep...)...)
			// The bounding set stays (no_new_privs makes it moot): as the
			// exporter got it from us.
			bounding := capSet(t, os.Getpid(), syscall.Gettid(), "CapBnd")
			for tid := range threadsOf(e.cmd.Process.Pid) {
				for _, set := range []string{"CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb", "NoNewPrivs"} {
					want := tc.caps
					switch set {
					case "CapInh", "CapAmb":
						want = 0
					case "CapBnd":
						want = bounding
					case "NoNewPrivs":
						want = 1
					}
					if got := capSet(t, e.cmd.Process.Pid, tid, set); got != want {
						t.Errorf("thread %d: %s %#x, want %#x", tid, set, got, want)
					}
				}
			}
			stdin.Write([]byte("go\n"))
			eventually(t, 5*time.Second, "renamed", func() bool { return strings.Contains(out.String(), "renamed") })
			m := scrape(t, e.Addr)
			if got := m.get("syscall_calls_total", "syscall", "getppid"); got != getppids {
				t.Errorf("getppid: %v calls, want %d", got, getppids)
			}
			seen := m.get("syscall_calls_total", "process", "after", "syscall", "getppid") == getppids
			if seen != tc.seesRename {
				t.Errorf("rename by a process of another user followed: %v, want %v\n%s", seen, tc.seesRename, m.dump("syscall_calls_total"))
			}
			if strings.Contains(e.stderr.String(), "capabilities not dropped") {
				t.Errorf("capabilities not dropped:\n%s", e.stderr)
			}
		})
	}
}

// capSet reads a line of a thread's status: a capability set (hex), or
// NoNewPrivs (0 or 1).
func capSet(t *testing.T, pid, tid int, name string) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pid, tid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n
		}
	}
	t.Fatalf("no %s in the status of %d", name, tid)
	return 0
}
