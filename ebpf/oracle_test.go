package ebpf_test

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
	want := testprog.KernelEntries(t, "find", oracleCommand...)
	calls, _ := traceTotals(t, oracleCommand)
	// comm becomes "find" during execve, after its sys_enter fired.
	delete(calls, "execve")
	delete(want, "execve")
	testprog.CompareCounts(t, "calls", "the oracle", calls, want)
}
