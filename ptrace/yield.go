package ptrace

import (
	"runtime"
	"time"
)

// yieldEvery keeps the Go scheduler from fighting the tracer goroutine.
//
// Since Go 1.26 a goroutine in a system call keeps its P, and sysmon
// judges it by its schedtick alone: one that has not passed through the
// scheduler for 10 ms (forcePreemptNS) counts as running too long, so at
// every sysmon tick sysmon signals its thread (SIGURG) and, finding it in
// a syscall, takes its P and hands it to another thread. The tracer
// goroutine never passes through the scheduler by itself — it blocks in
// wait4 and makes raw ptrace calls — so under tracing this went on at every
// tick, and each retake made sysmon tick again 20 µs later: thousands of
// sysmon wake-ups, futex hand-offs and slow exitsyscalls per second, on
// the CPU the tracees need. Measured (pinned to one CPU, a minimal Go
// tracer against the C floor): dd 1.13× the floor without yielding,
// 1.02× with; a Go HTTP server 1.12× and 1.02×.
//
// A yield every 5 ms resets the schedtick before sysmon's 10 ms run out,
// for one hand-off of the locked thread (about 10 µs) per 5 ms.
const yieldEvery = 5 * time.Millisecond

// yielder remembers when the tracer goroutine last yielded.
type yielder struct{ last int64 }

// maybe yields if yieldEvery has passed since the last yield; now is the
// monotonic time the tracer read for the stop anyway.
func (y *yielder) maybe(now int64) {
	if now-y.last >= int64(yieldEvery) {
		y.last = now
		runtime.Gosched()
	}
}
