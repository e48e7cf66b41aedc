package backend

// Details lets the consumer have a call's arguments read out of the memory
// of the thread that made it, for the few calls that become spans. A
// backend that can read that memory sets Call.Details at exit stops; the
// consumer calls Capture at most once, on the backend's thread before
// SyscallExited returns, while the thread is still stopped.
type Details interface {
	// Capture reads what the call's text needs into one of a few fixed
	// buffers and returns it, or nil when none is free (the backend counts
	// that) or the call is not the one in flight. It neither blocks nor
	// allocates.
	Capture(c *Call) Captured
}

// Captured is what Details.Capture read: a *decode.Capture. Whoever
// formats it releases it, on any goroutine, and reads it no more.
type Captured interface {
	Release()
}
