package ptrace_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

var oracleCommand = testprog.FindCommand

// traceTotals launches argv under the tracer (stdout to /dev/null) and
// returns calls and errors per syscall name.
func traceTotals(t *testing.T, argv []string) (calls, errs map[string]int) {
	t.Helper()
	tr, rec := startTracer(t)
	devnull := devNull(t)
	// The launched command inherits fds 0-2 of the exporter; point stdout
	// at /dev/null for the run, as strace's run gets.
	saved, _ := syscall.Dup(1)
	syscall.Dup3(int(devnull.Fd()), 1, 0)
	err := tr.Launch(argv[0], argv, os.Environ())
	syscall.Dup3(saved, 1, 0)
	syscall.Close(saved)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	calls, errs = map[string]int{}, map[string]int{}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for k, n := range rec.calls {
		calls[k[strings.LastIndexByte(k, ' ')+1:]] += n
	}
	for k, n := range rec.errs {
		f := strings.Fields(k)
		errs[f[len(f)-2]] += n
	}
	return calls, errs
}

func devNull(t *testing.T) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestTotalsMatchStrace(t *testing.T) {
	testprog.RequireTracing(t)
	if _, err := os.Stat("/usr/include"); err != nil {
		t.Skip("no /usr/include to walk")
	}
	wantCalls, wantErrs := testprog.RunStraceC(t, 10, oracleCommand...).Counts()

	calls, errs := traceTotals(t, oracleCommand)
	// strace -c counts a call when it returns, so exit_group, which never
	// does, is missing from its table; we count it, like the kernel does.
	if calls["exit_group"] != 1 {
		t.Errorf("exit_group: %d, want 1", calls["exit_group"])
	}
	delete(calls, "exit_group")
	testprog.CompareCounts(t, "calls", "the oracle", calls, wantCalls)
	testprog.CompareCounts(t, "errors", "the oracle", errs, wantErrs)
}

func TestTotalsMatchKernelTracepoint(t *testing.T) {
	testprog.RequireTracing(t)
	bpftrace := testprog.RequireTool(t, "bpftrace", "bpftrace")
	if _, err := os.Stat("/sys/kernel/tracing/events"); err != nil {
		if err := syscall.Mount("nodev", "/sys/kernel/tracing", "tracefs", 0, ""); err != nil {
			t.Fatalf("mount tracefs: %v", err)
		}
	}
	// The kernel's own count of syscall entries by number, for the
	// command's comm: the ground truth that counts exit_group too.
	script := `tracepoint:raw_syscalls:sys_enter /comm == "find"/ { @[args->id] = count(); }`
	// -o keeps bpftrace's report apart from find's output, which goes to
	// /dev/null as it does under the tracer.
	report := filepath.Join(t.TempDir(), "bpftrace.out")
	cmd := exec.Command(bpftrace, "-o", report, "-e", script, "-c", strings.Join(oracleCommand, " "))
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = devNull(t), &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bpftrace: %v\n%s", err, stderr.String())
	}
	outb, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	row := regexp.MustCompile(`^@\[(\d+)\]: (\d+)$`)
	for _, line := range strings.Split(string(outb), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			nr, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			want[syscalls.Name(syscalls.Native(), uint32(nr))] = n
		}
	}
	if len(want) < 10 {
		t.Fatalf("parsed only %d rows of bpftrace output:\n%s", len(want), outb)
	}
	calls, _ := traceTotals(t, oracleCommand)
	// comm becomes "find" during execve, after its sys_enter fired.
	delete(calls, "execve")
	delete(want, "execve")
	testprog.CompareCounts(t, "calls", "the oracle", calls, want)
}
