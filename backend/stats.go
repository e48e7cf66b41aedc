package backend

import "sync/atomic"

// Stats are what every backend counts of itself, safe to read from any
// goroutine. The self collector exposes them as syscall_exporter_* metrics.
type Stats struct {
	Tracees      atomic.Int64 // threads followed now
	Targets      atomic.Int64 // processes followed now
	AttachErrors [NumAttachReasons]atomic.Uint64
	// InterruptedOverflow: interrupted calls counted as not failed because
	// their thread held too many whose outcome was not known yet.
	InterruptedOverflow atomic.Uint64
}
