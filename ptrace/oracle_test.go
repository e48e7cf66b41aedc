package ptrace_test

import (
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
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
	want := testprog.KernelEntries(t, "find", oracleCommand...)
	calls, _ := traceTotals(t, oracleCommand)
	// comm becomes "find" during execve, after its sys_enter fired.
	delete(calls, "execve")
	delete(want, "execve")
	testprog.CompareCounts(t, "calls", "the oracle", calls, want)
}
