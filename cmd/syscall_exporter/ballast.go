package main

import (
	"os"
	"time"
)

// heapBallast counts as live heap but is never touched, so it costs
// address space, not memory. It raises the GC's heap goal (twice the live
// heap, at least 4 MiB) by twice its size.
var heapBallast []byte //nolint:unused // held, never read: that is the point

// keepHeapBallast makes GC cycles rarer while the heap is small, at the
// price of at most that much more garbage held between cycles: each cycle
// stops the tracer goroutine. It comes a second after start, so a short
// launched command does not wait for the cycle its allocation starts. An
// operator who sets GOGC decides instead. Measured in docs/performance.md
// (Heap ballast).
func keepHeapBallast(bytes int, after time.Duration) {
	if os.Getenv("GOGC") != "" {
		return
	}
	time.AfterFunc(after, func() { heapBallast = make([]byte, bytes) })
}
