package ptrace

import "time"

// yieldEvery keeps the Go scheduler from fighting the tracer goroutine.
// Since Go 1.26 (golang/go#64318) sysmon judges a goroutine in a system
// call by its schedtick alone, and the tracer goroutine, mostly in wait4,
// never passes through the scheduler by itself: sysmon retook its P at
// every tick, on the CPU the tracees need. A yield every 5 ms resets the
// schedtick before sysmon's 10 ms run out, for one hand-off of the locked
// thread per 5 ms. Measured: docs/performance.md, "Yielding".
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
