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
// price of at most that much more garbage held between cycles.
//
// Each GC cycle stops the tracer goroutine (to stop the world, and to scan
// its stack), and it then waits for a P behind whatever else is runnable.
// A scrape allocates about 250 KiB (mostly the Go and process collectors):
// with the default 4 MiB goal a cycle came every ~17 scrapes, and 200
// scrapers held the tracer to 84–86% of its stop rate; with a 32 MiB
// ballast, 91–97% (README, Scrapes and the tracer). An operator who sets
// GOGC decides instead.
//
// It comes a second after start: allocating it starts a GC cycle at once
// (the heap passes the initial 4 MiB goal), which a command launched for a
// few milliseconds would wait for in vain (0.8 ms of a 12 ms run); scrapes
// come later.
func keepHeapBallast(bytes int, after time.Duration) {
	if os.Getenv("GOGC") != "" {
		return
	}
	time.AfterFunc(after, func() { heapBallast = make([]byte, bytes) })
}
