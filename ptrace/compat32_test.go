package ptrace_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// An i386 program on x86_64 is counted by the i386 table: getppid is 64
// there, open 5.
func TestCompat32CountsByTheI386Table(t *testing.T) {
	testprog.RequireTracing(t)
	prog := testprog.BuildI386(t, "compat32")
	tr, rec := startTracer(t)
	launchToSuccess(t, tr, prog, []string{prog, "70", "6"})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.calls["compat32.i386/compat32.i386 getppid"]; got != 70 {
		t.Errorf("getppid: %d, want 70\n%v", got, rec.calls)
	}
	if got := rec.calls["compat32.i386/compat32.i386 open"]; got != 6 {
		t.Errorf("open: %d, want 6", got)
	}
	if got := rec.errs["compat32.i386/compat32.i386 open ENOENT"]; got != 6 {
		t.Errorf("open ENOENT: %d, want 6", got)
	}
}
