package decode_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// The reference: strace 6.1 (Debian 12's), default options but -f and -o.
// Output details differ between strace versions; the test logs the one it
// ran and holds every line to it.

// TestFormatMatchesStrace runs decodecalls under strace -f and under the
// ptrace backend, decoding every call at its exit stop (execve and the
// socklen calls at entry too), and holds each line to strace's for the
// same call, byte for byte but the pid prefix.
func TestFormatMatchesStrace(t *testing.T) {
	testprog.RequireTracing(t)
	matchStrace(t, testprog.Build(t, "decodecalls"), nil)
}

// TestFormatMatchesStraceI386 does the same for the program built for
// i386 (gcc -m32), traced on x86_64: 32-bit pointers, iovecs, sigaction,
// stat64, flock, timespecs.
func TestFormatMatchesStraceI386(t *testing.T) {
	testprog.RequireTracing(t)
	if runtime.GOARCH != "amd64" {
		t.Skip("i386 programs run on x86_64 only")
	}
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "internal", "testprog", "src", "decodecalls.c")
	prog := filepath.Join(t.TempDir(), "decodecalls32")
	if out, err := exec.Command("gcc", "-m32", "-O1", "-o", prog, src).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("needs gcc -m32 (Debian package gcc-multilib; .ci/run installs it): %v\n%s", err, out)
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI is set, so this is a failure, not a skip")
		}
		t.Skip(msg)
	}
	matchStrace(t, prog, map[string]string{
		"stat": "stat64", "lstat": "lstat64", "fstat": "fstat64", "newfstatat": "fstatat64",
		"fcntl": "fcntl64", "mmap": "mmap2",
	})
}

// matchStrace compares prog's lines under strace and under the decoder;
// renames maps a syscall the coverage check wants to its name here.
func matchStrace(t *testing.T, prog string, renames map[string]string) {
	strace := testprog.RequireTool(t, "strace", "strace")
	version, _ := exec.Command(strace, "-V").Output()
	first, _, _ := strings.Cut(string(version), "\n")
	t.Logf("reference: %s", first)
	ports := freePorts(t)

	// Directories of the same length: argv is on the stack, so both runs
	// have their stack buffers at the same addresses.
	base := t.TempDir()
	dirA, dirB := filepath.Join(base, "a"), filepath.Join(base, "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	want := straceRun(t, strace, append([]string{prog, dirA}, ports...))
	got := tracedRun(t, prog, append([]string{prog, dirB}, ports...))

	wantTasks, gotTasks := regions(t, "strace", want), regions(t, "decode", got)
	if len(wantTasks) != 4 {
		t.Fatalf("strace's output has %d compared processes, want the main one and its 3 children", len(wantTasks))
	}
	total, bad := 0, 0
	for i := 0; i < len(wantTasks) || i < len(gotTasks); i++ {
		if i >= len(wantTasks) || i >= len(gotTasks) {
			t.Errorf("process %d: strace has %d compared processes, the decoder %d", i, len(wantTasks), len(gotTasks))
			break
		}
		w, g := wantTasks[i], gotTasks[i]
		for j := 0; j < len(w) || j < len(g); j++ {
			total++
			switch {
			case j >= len(w):
				t.Errorf("process %d line %d: decoder has an extra line\n  got  %s", i, j, g[j].text())
				bad++
				continue
			case j >= len(g):
				t.Errorf("process %d line %d: decoder lacks\n  want %s", i, j, w[j].line)
				bad++
				continue
			}
			if msg := compareLine(w[j], g[j]); msg != "" {
				bad++
				if bad <= 60 {
					t.Errorf("process %d line %d: %s", i, j, msg)
				}
			}
		}
	}
	t.Logf("%d lines compared, %d differ", total, bad)
	if total < 340 {
		t.Errorf("only %d lines compared: the program or the region logic lost calls", total)
	}
	checkCoverage(t, wantTasks, renames)
}

// freePorts picks two UDP ports and a TCP port free on loopback now.
func freePorts(t *testing.T) []string {
	var ports []string
	for _, network := range []string{"udp", "udp", "tcp"} {
		var port int
		if network == "udp" {
			c, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port = c.LocalAddr().(*net.UDPAddr).Port
			defer c.Close()
		} else {
			l, err := net.Listen("tcp4", "127.0.0.1:0")
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

// line is one call of one task: strace's text (line, and the width of
// its pid prefix), or the decoder's halves.
type line struct {
	pid          int
	line         string // strace: the text after the prefix, resumed lines joined
	prefix       int
	merged       bool // joined from <unfinished ...> and resumed: padding differs
	call, result string
	name         string
	ret          int64
	ok           bool // the call succeeded
}

func (l line) text() string {
	if l.line != "" {
		return l.line
	}
	return decode.Join(l.call, l.result, 0)
}

var (
	prefixRe = regexp.MustCompile(`^(\d+) +`)
	resultRe = regexp.MustCompile(`= (-?\d+|0x[0-9a-f]+)(?: \(.*\))?$`)
)

// straceRun runs argv under strace -f -o and parses its lines. The
// program's stdout and stderr are /dev/null, as under tracedRun.
func straceRun(t *testing.T, strace string, argv []string) []line {
	out := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command(strace, append([]string{"-f", "-o", out}, argv...)...)
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace %v: %v", argv, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pending := map[int]string{}
	var lines []line
	for _, s := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		m := prefixRe.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("strace line without a pid: %q", s)
		}
		pid, _ := strconv.Atoi(m[1])
		text := s[len(m[0]):]
		l := line{pid: pid, prefix: len(m[0])}
		switch {
		case strings.HasPrefix(text, "--- ") || strings.HasPrefix(text, "+++ ") || strings.HasPrefix(text, "[ Process "):
			continue
		case strings.HasSuffix(text, " <unfinished ...>"):
			pending[pid] = strings.TrimSuffix(text, " <unfinished ...>")
			continue
		case strings.HasPrefix(text, "<... "):
			_, rest, ok := strings.Cut(text, " resumed>")
			if !ok {
				t.Fatalf("strange resumed line %q", s)
			}
			text, l.merged = pending[pid]+rest, true
			delete(pending, pid)
		}
		l.line = text
		l.name, _, _ = strings.Cut(text, "(")
		if m := resultRe.FindStringSubmatch(text); m != nil {
			l.ret, _ = strconv.ParseInt(m[1], 0, 64)
			l.ok = l.ret >= 0 || !strings.Contains(text, "= -1 E")
		}
		lines = append(lines, l)
	}
	return lines
}

// recorder decodes each call at its exit stop.
type recorder struct {
	mu       sync.Mutex
	lines    []line
	captures map[int32]*decode.Capture
	mem      map[int32]*vmMemory
}

var _ backend.Consumer = (*recorder)(nil)

func (r *recorder) ThreadStarted(*backend.Thread) backend.Slot               { return 0 }
func (r *recorder) ThreadRenamed(*backend.Thread, backend.Slot) backend.Slot { return 0 }
func (r *recorder) ThreadExited(*backend.Thread, backend.Slot)               {}
func (r *recorder) Add(backend.Slot, syscalls.Arch, uint32, *backend.Delta)  {}
func (r *recorder) SpanCandidate(*backend.Call)                              {}

func (r *recorder) state(tid int32) (*decode.Capture, *vmMemory) {
	if r.captures[tid] == nil {
		r.captures[tid], r.mem[tid] = new(decode.Capture), &vmMemory{pid: int(tid)}
	}
	return r.captures[tid], r.mem[tid]
}

func (r *recorder) SyscallEntered(c *backend.Call) {
	if !decode.NeedsEntry(c) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cp, mem := r.state(c.Thread.TID)
	cp.Entry(c, mem, decode.ModeAll)
}

func (r *recorder) SyscallExited(c *backend.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cp, mem := r.state(c.Thread.TID)
	cp.Exit(c, mem, decode.ModeAll)
	call, result := decode.FormatParts(c, cp)
	r.lines = append(r.lines, line{
		pid: int(c.Thread.TID), call: call, result: result,
		name: syscalls.Name(c.Arch, c.Nr), ret: c.Ret, ok: c.Exit != 0 && c.Errno == 0,
	})
}

// tracedRun launches argv under the ptrace backend and returns the
// decoder's lines.
func tracedRun(t *testing.T, prog string, argv []string) []line {
	rec := &recorder{captures: map[int32]*decode.Capture{}, mem: map[int32]*vmMemory{}}
	tr := ptrace.New(ptrace.Config{Consumer: rec})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.DetachAll()
		<-tr.Done()
	})
	// The launched program inherits the test's descriptors: mark what the
	// test itself inherited close-on-exec (os/exec, which starts strace,
	// closes them), and give it /dev/null for stdout and stderr, as
	// strace's run has.
	cloexecInherited(t)
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	saved1, _ := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3) // not for the child
	saved2, _ := unix.FcntlInt(2, unix.F_DUPFD_CLOEXEC, 3)
	syscall.Dup3(int(null.Fd()), 1, 0)
	syscall.Dup3(int(null.Fd()), 2, 0)
	err = tr.Launch(prog, argv, os.Environ())
	syscall.Dup3(saved1, 1, 0)
	syscall.Dup3(saved2, 2, 0)
	syscall.Close(saved1)
	syscall.Close(saved2)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-tr.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the traced program did not finish")
	}
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("decodecalls: status %v under the tracer, want exit 0", ws)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.lines
}

// cloexecInherited sets FD_CLOEXEC on this process's descriptors above 2.
func cloexecInherited(t *testing.T) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		}
	}
}

const marker = `write(-1, "decodecalls: begin", 18)`

func isMarker(l line) bool { return strings.HasPrefix(l.text(), marker) }

// regions returns, for each compared task in creation order (the one
// that wrote the first marker, then the children of compared tasks in the
// order their clone returned), its compared lines. A task is compared
// from its marker, or whole if a compared task made it; a successful
// execve ends that until the next marker. Pids in the lines that carry
// them become <task N>.
func regions(t *testing.T, who string, lines []line) [][]line {
	byPid := map[int][]line{}
	for _, l := range lines {
		byPid[l.pid] = append(byPid[l.pid], l)
	}
	var root = -1
	for _, l := range lines {
		if isMarker(l) {
			root = l.pid
			break
		}
	}
	if root < 0 {
		t.Fatalf("%s: no marker line %s", who, marker)
	}
	label := map[int]int{}
	var tasks [][]line
	var walk func(pid int, whole bool)
	walk = func(pid int, whole bool) {
		label[pid] = len(tasks)
		tasks = append(tasks, nil)
		i := label[pid]
		on := whole
		for _, l := range byPid[pid] {
			if !on && isMarker(l) {
				on = true
			}
			if !on {
				continue
			}
			tasks[i] = append(tasks[i], l)
			switch l.name {
			case "clone", "clone3", "fork", "vfork":
				if l.ok && l.ret > 0 {
					walk(int(l.ret), true)
				}
			case "execve", "execveat":
				if l.ok {
					on = false
				}
			}
		}
	}
	walk(root, false)
	for _, ls := range tasks {
		for j := range ls {
			ls[j] = relabel(ls[j], label)
		}
	}
	return tasks
}

var pidCalls = map[string]bool{
	"clone": true, "clone3": true, "fork": true, "vfork": true, "wait4": true,
	"kill": true, "tkill": true, "tgkill": true, "getpid": true, "gettid": true, "getppid": true,
}

var numberRe = regexp.MustCompile(`\b\d+\b`)

func relabel(l line, label map[int]int) line {
	if !pidCalls[l.name] {
		return l
	}
	sub := func(s string) string {
		return numberRe.ReplaceAllStringFunc(s, func(n string) string {
			v, _ := strconv.Atoi(n)
			if i, ok := label[v]; ok {
				return fmt.Sprintf("<task %d>", i)
			}
			return n
		})
	}
	l.line, l.call, l.result = sub(l.line), sub(l.call), sub(l.result)
	return l
}

// compareLine holds the decoder's line to strace's: exactly, padded as
// strace pads a line that starts after its pid prefix. Where strace split
// the line (<unfinished ...>, resumed) or a pid was relabeled, the
// padding is not comparable: the call and the result must still be.
func compareLine(want, got line) string {
	if !want.merged && !pidCalls[want.name] {
		if g := decode.Join(got.call, got.result, want.prefix); g != want.line {
			return fmt.Sprintf("\n  want %s\n  got  %s", want.line, g)
		}
		return ""
	}
	rest, ok := strings.CutPrefix(want.line, got.call+" ")
	if ok && strings.TrimLeft(rest, " ") == got.result {
		return ""
	}
	return fmt.Sprintf("(padding aside)\n  want %s\n  got  %s", want.line, decode.Join(got.call, got.result, 0))
}

// checkCoverage fails if strace's lines miss a syscall the program is
// there to make: the comparison would pass without testing it.
func checkCoverage(t *testing.T, tasks [][]line, renames map[string]string) {
	seen := map[string]bool{}
	for _, ls := range tasks {
		for _, l := range ls {
			seen[l.name] = true
		}
	}
	for _, name := range strings.Fields(`open openat creat stat lstat fstat newfstatat access faccessat
		faccessat2 readlink readlinkat unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir
		chdir fchdir chmod fchmod fchmodat chown fchown lchown fchownat truncate ftruncate symlink
		symlinkat link linkat utimensat mknod mknodat execve execveat read write pread64 pwrite64
		readv writev close dup dup2 dup3 fcntl ioctl socket connect bind accept4 sendto recvfrom
		mmap mprotect munmap brk clone clone3 kill tgkill rt_sigaction rt_sigprocmask futex wait4
		nanosleep clock_nanosleep exit_group exit pipe pipe2 lseek listen statx openat2 getcwd umask
		socketpair getsockname getpeername shutdown madvise mremap tkill setxattr lgetxattr getxattr
		listxattr removexattr fgetxattr getdents64 fadvise64 statfs prlimit64 getrlimit uname getrandom
		close_range getpgid getsid setpgid setuid setgid`) {
		if r, ok := renames[name]; ok {
			name = r
		}
		if !seen[name] {
			t.Errorf("no compared %s line: the program should make one", name)
		}
	}
}
