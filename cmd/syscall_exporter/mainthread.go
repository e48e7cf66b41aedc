package main

import "runtime"

// The main goroutine keeps the main thread to itself, so the tracer's
// goroutine never runs there: the Go runtime ends the thread of a locked
// goroutine that returns, which detaches every tracee at once, but never
// the main thread.
func init() { runtime.LockOSThread() }
