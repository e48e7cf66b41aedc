package ptrace

import "time"

// yieldEvery keeps the Go scheduler from fighting the tracer goroutine.
//
// Since Go 1.26 (golang/go#64318) a goroutine in a system call keeps its
// P, and sysmon judges it by its schedtick alone: one that has not passed
// through the scheduler for 10 ms (forcePreemptNS) counts as running too
// long. Sysmon then preempts it at every tick: with SIGURG while it runs Go
// code, and while it sits in a syscall — the tracer mostly waits in wait4 —
// by taking its P and handing it to another thread. The tracer goroutine
// never passes through the scheduler by itself, so under tracing this went
// on at every tick, and each retake made sysmon tick again 20 µs later:
// thousands of sysmon wake-ups, futex hand-offs and slow exitsyscalls per
// second, on the CPU the tracees need. Measured pinned to one CPU, medians
// of 7: a minimal Go tracer was 1.13× the C floor on dd without yielding
// and 1.02× with, 1.12× and 1.02× on a Go HTTP server; the exporter went
// from 1.18× to 1.11× the floor on dd, and from 1.14× to 1.09× on HTTP.
//
// A yield every 5 ms resets the schedtick before sysmon's 10 ms run out,
// for one hand-off of the locked thread (about 10 µs) per 5 ms.
const yieldEvery = 5 * time.Millisecond

// yielder remembers when the tracer goroutine last yielded.
type yielder struct{ last int64 }

// due says whether yieldEvery has passed since the last yield, and if so
// counts the caller's yield from now, the monotonic time the tracer read
// for its last stop anyway.
func (y *yielder) due(now int64) bool {
	if now-y.last < int64(yieldEvery) {
		return false
	}
	y.last = now
	return true
}
