package ptrace_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// spanCalls are the calls spanMaker makes spans of besides the failed
// ones, as a sample ratio would: each kind of memory the decoder reads.
var spanCalls = map[string]bool{
	"openat": true, "open": true, "stat": true, "newfstatat": true, "readlink": true, "rename": true,
	"write": true, "read": true, "pwrite64": true, "writev": true, "connect": true, "bind": true,
	"sendto": true, "recvfrom": true, "accept4": true, "getsockname": true, "rt_sigaction": true,
	"nanosleep": true, "mmap": true, "fcntl": true, "utimensat": true, "statx": true,
}

// pidCalls print the tracee's pids, which differ between the two runs.
var pidCalls = map[string]bool{"clone": true, "clone3": true, "fork": true, "vfork": true, "wait4": true,
	"kill": true, "tkill": true, "tgkill": true, "getpid": true, "gettid": true, "getppid": true}

// spanText is one span's text, made off the tracer thread.
type spanText struct {
	pid          int32
	name         string
	text         string
	call, result string
	undecoded    bool
}

// spanMaker is a Consumer that does what the collector and the span
// queue do with a call that becomes a span: at the exit stop it asks
// Call.Details for the capture and hands it to another goroutine, which
// formats it and releases it.
type spanMaker struct {
	queue chan spanRecord
	mu    sync.Mutex
	texts []spanText
	done  chan struct{}
}

type spanRecord struct {
	call backend.Call
	pid  int32
	cap  backend.Captured
}

func (m *spanMaker) ThreadStarted(*backend.Thread) backend.Slot               { return 0 }
func (m *spanMaker) ThreadRenamed(*backend.Thread, backend.Slot) backend.Slot { return 0 }
func (m *spanMaker) ThreadExited(*backend.Thread, backend.Slot)               {}
func (m *spanMaker) Add(backend.Slot, syscalls.Arch, uint32, *backend.Delta)  {}
func (m *spanMaker) SpanCandidate(*backend.Call)                              {}
func (m *spanMaker) SyscallEntered(*backend.Call)                             {}

func (m *spanMaker) SyscallExited(c *backend.Call) {
	name := syscalls.Name(c.Arch, c.Nr)
	if c.Exit == 0 || syscalls.IsRestart(c.Errno) || c.Errno == 0 && !spanCalls[name] {
		return
	}
	r := spanRecord{call: *c, pid: c.Thread.PID}
	r.call.Thread, r.call.Details = nil, nil
	if c.Details != nil {
		r.cap = c.Details.Capture(c)
	}
	m.queue <- r // room for every call of the program
}

func (m *spanMaker) run() {
	defer close(m.done)
	for r := range m.queue {
		cp, _ := r.cap.(*decode.Capture)
		text := decode.Format(&r.call, cp)
		call, result := decode.FormatParts(&r.call, cp)
		m.mu.Lock()
		m.texts = append(m.texts, spanText{pid: r.pid, name: syscalls.Name(r.call.Arch, r.call.Nr),
			text: text, call: call, result: result, undecoded: r.cap == nil})
		m.mu.Unlock()
		if r.cap != nil {
			r.cap.Release()
		}
	}
}

// TestSpanTextMatchesStrace runs decodecalls under strace -f and under
// the tracer with --spans.decode=all, making spans of its failed calls
// and of a sample of the others, each read at its exit stop (and entry,
// where needed) through the tracer's own memory reader and buffer pool,
// formatted later on another goroutine. Each span's text is strace's
// line for the same call of the main process, byte for byte but the pid
// prefix: read with process_vm_readv, and with PTRACE_PEEKDATA as where
// the kernel refuses that.
func TestSpanTextMatchesStrace(t *testing.T) {
	t.Run("process_vm_readv", func(t *testing.T) { spanTextMatchesStrace(t, false) })
	t.Run("PTRACE_PEEKDATA", func(t *testing.T) { spanTextMatchesStrace(t, true) })
}

func spanTextMatchesStrace(t *testing.T, peek bool) {
	prog := buildProg(t, "decodecalls")
	strace := testprog.RequireTool(t, "strace", "strace")
	ports := freeLoopbackPorts(t)
	base := t.TempDir() // directories of one length: the same stack addresses
	dirA, dirB := filepath.Join(base, "a"), filepath.Join(base, "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	want := straceLines(t, strace, append([]string{prog, dirA}, ports...))

	m := &spanMaker{queue: make(chan spanRecord, 4096), done: make(chan struct{})}
	go m.run()
	tr := ptrace.New(ptrace.Config{Consumer: m, Decode: decode.ModeAll})
	if peek {
		ptrace.PeekOnly(tr)
	}
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Launch(prog, append([]string{prog, dirB}, ports...), os.Environ()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tr.Done():
	case <-time.After(60 * time.Second):
		tr.DetachAll()
		t.Fatal("decodecalls did not finish")
	}
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("decodecalls: status %v under the tracer, want exit 0", ws)
	}
	close(m.queue)
	<-m.done

	got := mainProcess(m.texts)
	if len(got) < 150 {
		t.Fatalf("only %d spans from the main process", len(got))
	}
	undecoded := 0
	for i := 0; i < len(want) || i < len(got); i++ {
		if i >= len(want) || i >= len(got) {
			t.Fatalf("strace has %d compared lines, the spans %d", len(want), len(got))
		}
		w, g := want[i], got[i]
		if g.undecoded {
			undecoded++
		}
		if g.text != decode.Join(g.call, g.result, 0) {
			t.Errorf("span text %q is not its halves joined", g.text)
		}
		if w.merged {
			if rest, ok := strings.CutPrefix(w.text, g.call+" "); !ok || strings.TrimLeft(rest, " ") != g.result {
				t.Errorf("line %d (padding aside)\n  want %s\n  got  %s", i, w.text, g.text)
			}
		} else if line := decode.Join(g.call, g.result, w.prefix); line != w.text {
			t.Errorf("line %d\n  want %s\n  got  %s", i, w.text, line)
		}
	}
	if undecoded > 0 {
		t.Errorf("%d spans found no free capture buffer", undecoded)
	}
	t.Logf("%d span texts equal strace's lines", len(got))
}

// straceLine is one of strace's lines for a call of the main process.
type straceLine struct {
	text   string
	prefix int  // width of the pid prefix: strace pads the result after it
	merged bool // joined from <unfinished ...> and <... resumed>: padding differs
}

var (
	straceLineRe = regexp.MustCompile(`^(\d+) +`)
	failedRe     = regexp.MustCompile(`\) += -1 E[A-Z0-9]+ \(`)
	marker       = `write(-1, "decodecalls: begin", 18)`
)

// straceLines runs argv under strace -f -qq and returns the lines of the
// calls spanMaker would make spans of, of the process that wrote the
// marker, from the marker on.
func straceLines(t *testing.T, strace string, argv []string) []straceLine {
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
	var lines []straceLine
	for _, s := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		m := straceLineRe.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("strace line without a pid: %q", s)
		}
		pid, text := m[1], s[len(m[0]):]
		if root == "" && strings.HasPrefix(text, marker) {
			root = pid
		}
		l := straceLine{prefix: len(m[0])}
		switch {
		case strings.HasPrefix(text, "--- ") || strings.HasPrefix(text, "+++ "):
			continue
		case strings.HasSuffix(text, " <unfinished ...>"):
			pending[pid] = strings.TrimSuffix(text, " <unfinished ...>")
			continue
		case strings.HasPrefix(text, "<... "):
			_, rest, _ := strings.Cut(text, " resumed>")
			text, l.merged = pending[pid]+rest, true
		}
		if pid != root {
			continue
		}
		l.text = text
		name, _, _ := strings.Cut(text, "(")
		failed := failedRe.MatchString(text)
		if pidCalls[name] || strings.Contains(text, " = ? ") || !failed && !spanCalls[name] {
			continue
		}
		lines = append(lines, l)
	}
	if root == "" {
		t.Fatal("strace: no marker line")
	}
	return lines
}

// mainProcess keeps the spans of the process that wrote the marker, from
// the marker on, leaving out the calls that print pids.
func mainProcess(texts []spanText) []spanText {
	var root int32 = -1
	var out []spanText
	for _, s := range texts {
		if root < 0 && strings.HasPrefix(s.text, marker) {
			root = s.pid
		}
		if root < 0 || s.pid != root || pidCalls[s.name] {
			continue
		}
		out = append(out, s)
	}
	return out
}

// freeLoopbackPorts picks two UDP ports and a TCP port free on loopback.
func freeLoopbackPorts(t *testing.T) []string {
	var ports []string
	for _, network := range []string{"udp4", "udp4", "tcp4"} {
		var port int
		if network == "udp4" {
			c, err := net.ListenPacket(network, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port = c.LocalAddr().(*net.UDPAddr).Port
			defer c.Close()
		} else {
			l, err := net.Listen(network, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port = l.Addr().(*net.TCPAddr).Port
			defer l.Close()
		}
		ports = append(ports, strconv.Itoa(port))
	}
	return ports
}
