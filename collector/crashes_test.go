package collector

import (
	"strings"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

type crashList []*backend.Crash

func (l *crashList) OfferCrash(c *backend.Crash) { *l = append(*l, c) }

// Every crash counts once by process and signal, and goes to the sinks.
func TestCrashesCountByProcessAndSignal(t *testing.T) {
	c := NewCrashes()
	var sink crashList
	c.AddSink(&sink)
	for _, cr := range []backend.Crash{
		{PID: 1, Process: "nginx", Signal: syscall.SIGSEGV},
		{PID: 2, Process: "nginx", Signal: syscall.SIGSEGV},
		{PID: 3, Process: "nginx", Signal: syscall.SIGABRT},
		{PID: 4, Process: "", Signal: syscall.SIGBUS},
	} {
		c.ProcessCrashed(&cr)
	}
	want := `# HELP syscall_process_crashes_total Traced processes killed by a signal that dumps core (SIGSEGV, SIGBUS, SIGABRT…), by process name and signal.
# TYPE syscall_process_crashes_total counter
syscall_process_crashes_total{process="nginx",signal="SIGABRT"} 1
syscall_process_crashes_total{process="nginx",signal="SIGSEGV"} 2
syscall_process_crashes_total{process="unknown",signal="SIGBUS"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if len(sink) != 4 {
		t.Errorf("sink got %d crashes, want 4", len(sink))
	}
}
