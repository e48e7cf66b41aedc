package ptrace

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// PTRACE_GET_SYSCALL_INFO is probed on the doorbell before Start returns,
// which leaves the doorbell able to ring; this kernel has it.
func TestSyscallInfoProbedAtStart(t *testing.T) {
	testprog.RequireTracing(t)
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	tr := New(Config{Consumer: nil})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	if err := tr.DetachAll(); err != nil { // answered only if the doorbell rings
		t.Fatal(err)
	}
	<-tr.Done()
	if !syscallInfoFeature.has || tr.useRegs {
		t.Errorf("on Linux %s: PTRACE_GET_SYSCALL_INFO probed %v, registers read %v", unix.ByteSliceToString(u.Release[:]), syscallInfoFeature.has, tr.useRegs)
	}
}

// A feature is probed once, and logged once.
func TestFeatureProbedAndLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	f := feature{name: "a feature (Linux 9.9)", fallback: "doing without"}
	probes := 0
	for range 3 {
		if f.available(log, func() bool { probes++; return false }) {
			t.Error("available after a failed probe")
		}
	}
	if probes != 1 {
		t.Errorf("%d probes, want 1", probes)
	}
	if out := buf.String(); strings.Count(out, "\n") != 1 || !strings.Contains(out, "a feature (Linux 9.9)") || !strings.Contains(out, "doing without") {
		t.Errorf("logged %q, want one line naming the feature and its fallback", out)
	}
}
