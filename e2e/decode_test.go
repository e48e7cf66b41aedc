package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// decodecalls under strace -f, and under the exporter with every call a
// span (ratio 1, no rate limit, --spans.decode=all) sent to Jaeger: each
// span of the main process, from the marker on, in order, carries as
// syscall_exporter.syscall.text strace's line for the same call, byte
// for byte but the pid prefix (and the padding after it), and none went
// without its memory read.
func TestOTLPSpanTextsMatchStrace(t *testing.T) {
	testprog.RequireTracing(t)
	strace := testprog.RequireTool(t, "strace", "strace")
	startJaeger(t)
	const service = "e2e-decodecalls"
	t.Setenv("OTEL_SERVICE_NAME", service)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	prog := testprog.Build(t, "decodecalls")
	ports := loopbackPorts(t)
	base := t.TempDir() // directories of one length: the same stack addresses
	dirA, dirB := filepath.Join(base, "a"), filepath.Join(base, "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := straceMainProcess(t, strace, append([]string{prog, dirA}, ports...))

	e := startExporter(t, "--otlp.endpoint="+jaegerOTLPHTTP, "--spans.sample-ratio=1", "--spans.max-per-second=0",
		"--spans.slow-threshold=0", "--spans.decode=all", "--", prog, dirB, ports[0], ports[1], ports[2])
	if ws := e.wait(t, 60*time.Second); ws.ExitStatus() != 0 {
		t.Fatalf("exporter exited %v", ws)
	}
	var spans []decodedSpan
	eventually(t, 20*time.Second, "decodecalls' spans in jaeger", func() bool {
		spans = mainProcessSpans(t, service)
		return len(spans) >= len(want)
	})
	got := make([]string, len(spans))
	for i, s := range spans {
		got[i] = s.text
	}
	checkTypedAttributes(t, spans)
	bad := 0
	for i := 0; i < len(want) || i < len(got); i++ {
		if i >= len(want) || i >= len(got) {
			t.Fatalf("strace has %d lines of the main process, jaeger %d spans", len(want), len(got))
		}
		if collapse(want[i]) != collapse(got[i]) {
			if bad++; bad <= 30 {
				t.Errorf("call %d\n  strace %s\n  span   %s", i, want[i], got[i])
			}
		}
	}
	t.Logf("%d spans' texts compared with strace's lines, %d differ", len(got), bad)
}

// collapse drops the padding before the result, which strace counts from
// the start of its line, pid prefix included.
func collapse(line string) string {
	return resultPadRe.ReplaceAllString(line, ") = ")
}

var resultPadRe = regexp.MustCompile(`\) +=( |$)`)

var straceLineRe = regexp.MustCompile(`^(\d+) +`)

const decodeMarker = `write(-1, "decodecalls: begin", 18)`

// e2ePidCalls print pids, which differ between the runs; and a call
// strace splits (<unfinished ...>) is left out of both sides.
var e2ePidCalls = regexp.MustCompile(`^(clone|clone3|fork|vfork|wait4|kill|tkill|tgkill|getpid|gettid|getppid)\(`)

// straceMainProcess runs argv under strace -f and returns the lines of
// the process that wrote the marker, from the marker on.
func straceMainProcess(t *testing.T, strace string, argv []string) []string {
	out := filepath.Join(t.TempDir(), "strace.out")
	if b, err := exec.Command(strace, append([]string{"-f", "-qq", "-o", out}, argv...)...).CombinedOutput(); err != nil {
		t.Fatalf("strace: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	root := ""
	pending := map[string]string{}
	var lines []string
	for _, s := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		m := straceLineRe.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("strace line without a pid: %q", s)
		}
		pid, text := m[1], s[len(m[0]):]
		if root == "" && strings.HasPrefix(text, decodeMarker) {
			root = pid
		}
		switch {
		case strings.HasPrefix(text, "--- ") || strings.HasPrefix(text, "+++ "):
			continue
		case strings.HasSuffix(text, " <unfinished ...>"):
			pending[pid] = strings.TrimSuffix(text, " <unfinished ...>")
			continue
		case strings.HasPrefix(text, "<... "):
			_, rest, _ := strings.Cut(text, " resumed>")
			text = pending[pid] + rest
		}
		if pid == root && !e2ePidCalls.MatchString(text) {
			lines = append(lines, text)
		}
	}
	if root == "" {
		t.Fatal("strace: no marker line")
	}
	return lines
}

// decodedSpan is a span's text and tags.
type decodedSpan struct {
	text string
	tags map[string]string
}

var (
	inetRe = regexp.MustCompile(`^connect\(\d+, \{sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)\}`)
	unixRe = regexp.MustCompile(`^connect\(\d+, \{sa_family=AF_UNIX, sun_path="([^"\\]+)"\}`)
	pathRe = regexp.MustCompile(`^openat\(AT_FDCWD, "([^"\\]+)",`)
	fdRe   = regexp.MustCompile(`^(?:close|read|write|fstat)\((\d+),? `)
)

// checkTypedAttributes holds the typed attributes to the text: an IPv4
// or unix connect's peer, an openat's path, the descriptor of a call on
// one.
func checkTypedAttributes(t *testing.T, spans []decodedSpan) {
	var inet, unix, paths, fds int
	for _, s := range spans {
		if m := fdRe.FindStringSubmatch(s.text + " "); m != nil {
			fds++
			if s.tags["syscall_exporter.syscall.fd"] != m[1] {
				t.Errorf("%s: syscall_exporter.syscall.fd %q", s.text, s.tags["syscall_exporter.syscall.fd"])
			}
		}
		if m := inetRe.FindStringSubmatch(s.text); m != nil {
			inet++
			if s.tags["network.peer.address"] != m[2] || s.tags["network.peer.port"] != m[1] || s.tags["network.type"] != "ipv4" {
				t.Errorf("%s: peer %q port %q type %q", s.text, s.tags["network.peer.address"], s.tags["network.peer.port"], s.tags["network.type"])
			}
		}
		if m := unixRe.FindStringSubmatch(s.text); m != nil {
			unix++
			if s.tags["network.peer.address"] != m[1] || s.tags["network.transport"] != "unix" {
				t.Errorf("%s: peer %q transport %q", s.text, s.tags["network.peer.address"], s.tags["network.transport"])
			}
		}
		if m := pathRe.FindStringSubmatch(s.text); m != nil {
			paths++
			if s.tags["file.path"] != m[1] {
				t.Errorf("%s: file.path %q", s.text, s.tags["file.path"])
			}
		}
	}
	if inet == 0 || unix == 0 || paths == 0 || fds == 0 {
		t.Errorf("%d IPv4 connects, %d unix connects, %d openat paths, %d calls on a descriptor: the program should make each", inet, unix, paths, fds)
	}
}

// mainProcessSpans returns the spans of the process whose span wrote the
// marker, from the marker on, by start time.
func mainProcessSpans(t *testing.T, service string) []decodedSpan {
	resp, err := http.Get(jaegerQuery + "/api/traces?service=" + service + "&limit=100000&lookback=1h")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var out struct {
		Data []struct {
			Spans []struct {
				StartTime int64 `json:"startTime"`
				Tags      []tag `json:"tags"`
			} `json:"spans"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	type timed struct {
		start     int64
		pid, text string
		tags      map[string]string
	}
	var all []timed
	for _, d := range out.Data {
		for _, s := range d.Spans {
			tags := tagMap(s.Tags)
			all = append(all, timed{s.StartTime, tags["process.pid"], tags["syscall_exporter.syscall.text"], tags})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].start < all[j].start })
	root, started := "", false
	var spans []decodedSpan
	for _, s := range all {
		if !started && strings.HasPrefix(s.text, decodeMarker) {
			root, started = s.pid, true
		}
		if started && s.pid == root && !e2ePidCalls.MatchString(s.text) {
			spans = append(spans, decodedSpan{s.text, s.tags})
		}
	}
	return spans
}

// loopbackPorts picks two UDP ports and a TCP port free on loopback.
func loopbackPorts(t *testing.T) []string {
	var ports []string
	for _, network := range []string{"udp4", "udp4", "tcp4"} {
		if network == "udp4" {
			c, err := net.ListenPacket(network, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ports = append(ports, strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port))
			continue
		}
		l, err := net.Listen(network, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports
}
