package ptrace

import (
	"os"
	"strconv"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// Targets lists up to maxProcs of the processes traced now, by PID, each
// with up to maxThreads threads, and says how many processes it left out.
// It reads /proc on the caller's goroutine; the set of PIDs is the copy
// the tracer keeps for other goroutines, updated as processes come and go.
func (t *Tracer) Targets(maxProcs, maxThreads int) (targets []backend.Target, more int) {
	pids := t.tab.traced.List()
	ours := map[int32]bool{}
	// The kernel names a tracee's tracer by its TID: ours when it is a
	// thread of this process.
	attach := func(tracer int32) string {
		if tracer == 0 {
			return "not traced"
		}
		yes, known := ours[tracer]
		if !known {
			yes = t.fs.HasTask(int32(os.Getpid()), tracer)
			ours[tracer] = yes
		}
		if yes {
			return "traced"
		}
		return "traced by TID " + strconv.Itoa(int(tracer))
	}
	return t.fs.Targets(pids, maxProcs, maxThreads, attach)
}

// CommandArgs is process pid's argv as /proc shows it now, or nil.
func (t *Tracer) CommandArgs(pid int32) []string { return t.fs.Cmdline(pid) }

// Stats are the tracer's counters of what it follows.
func (t *Tracer) Stats() *backend.Stats { return &t.stats }

// StopStats are the stops the tracer handled and the time it spent on them
// (wait4 excluded, timed on every stopTimingEvery-th stop).
func (t *Tracer) StopStats() (stops, nanos uint64) {
	return t.stopStats.stops.Load(), t.stopStats.stopNanos.Load()
}
