package ebpf

import (
	"regexp"
	"strconv"
	"testing"

	cebpf "github.com/cilium/ebpf"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// maxVerifiedInsns bounds the instructions the verifier walks per program:
// far below its limit of 1 000 000, which older kernels, pruning less,
// reach sooner, and what every start waits for.
const maxVerifiedInsns = 100_000

var processedInsns = regexp.MustCompile(`processed (\d+) insns`)

// The verifier's work per program, from its own statistics.
func TestVerifierWork(t *testing.T) {
	testprog.RequireBPF(t)
	spec, err := New(Config{MaxSeries: 1000}).loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	coll, err := cebpf.NewCollectionWithOptions(spec, cebpf.CollectionOptions{Programs: cebpf.ProgramOptions{LogLevel: cebpf.LogLevelStats}})
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	for name, p := range coll.Programs {
		m := processedInsns.FindStringSubmatch(p.VerifierLog)
		if m == nil {
			t.Errorf("%s: no statistics in the verifier's log %q", name, p.VerifierLog)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		t.Logf("%s: %d instructions verified", name, n)
		if n > maxVerifiedInsns {
			t.Errorf("%s: the verifier walked %d instructions, want at most %d", name, n, maxVerifiedInsns)
		}
	}
}
