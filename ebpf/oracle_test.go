package ebpf_test

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
	tr, rec := startTracer(t, nil)
	devnull := devNull(t)
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
		calls[k[strings.LastIndexByte(k, ' ')+1:]] += int(n)
	}
	for k, n := range rec.errs {
		f := strings.Fields(k)
		errs[f[len(f)-2]] += int(n)
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
	testprog.RequireBPF(t)
	if _, err := os.Stat("/usr/include"); err != nil {
		t.Skip("no /usr/include to walk")
	}
	wantCalls, wantErrs := testprog.RunStraceC(t, 10, oracleCommand...).Counts()
	calls, errs := traceTotals(t, oracleCommand)
	if calls["exit_group"] != 1 {
		t.Errorf("exit_group: %d, want 1", calls["exit_group"])
	}
	delete(calls, "exit_group")
	testprog.CompareCounts(t, "calls", "the oracle", calls, wantCalls)
	testprog.CompareCounts(t, "errors", "the oracle", errs, wantErrs)
}

// The kernel's own count of syscall entries, from bpftrace on the classic
// tracepoint: a tracer of its own, apart from ours.
func TestTotalsMatchKernelTracepoint(t *testing.T) {
	testprog.RequireBPF(t)
	bpftrace := testprog.RequireTool(t, "bpftrace", "bpftrace")
	if _, err := os.Stat("/sys/kernel/tracing/events"); err != nil {
		if err := syscall.Mount("nodev", "/sys/kernel/tracing", "tracefs", 0, ""); err != nil {
			t.Fatalf("mount tracefs: %v", err)
		}
	}
	script := `tracepoint:raw_syscalls:sys_enter /comm == "find"/ { @[args->id] = count(); }`
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
