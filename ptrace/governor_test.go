package ptrace_test

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
)

// With a 5% budget the governor traces a sliver of dd's progress; raw
// counts divided by the sampling ratio estimate the true count, which is
// known: a read and a write per byte.
func TestGovernorExtrapolatesWithinTenPercent(t *testing.T) {
	testprog.RequireTracing(t)
	const bytes = 2_000_000
	rec := newRecorder()
	tr := ptrace.New(ptrace.Config{Consumer: rec, MaxOverhead: 0.05})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.DetachAll(); <-tr.Done() })
	start := time.Now()
	argv := []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=2000000", "status=none"}
	if err := tr.Launch("/bin/dd", argv, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	ratio := tr.SamplingRatio()
	raw := rec.count("dd/dd read") + rec.count("dd/dd write")
	est := float64(raw) / ratio
	t.Logf("raw %d, sampling ratio %.5f, estimate %.0f (true %d), overhead %.3f, wall %v",
		raw, ratio, est, 2*bytes, tr.OverheadRatio(), time.Since(start))
	if raw == 0 || raw >= 2*bytes {
		t.Fatalf("raw count %d: the governor did not sample", raw)
	}
	if math.Abs(est-2*bytes)/(2*bytes) > 0.10 {
		t.Errorf("estimate %.0f is more than 10%% off the true %d", est, 2*bytes)
	}
}
