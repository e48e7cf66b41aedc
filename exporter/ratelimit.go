package exporter

import (
	"fmt"
	"math"
)

// RateLimit bounds the spans made: MaxPerSecond on average over all calls,
// Burst at once.
type RateLimit struct {
	MaxPerSecond float64 // 0: no limit
	Burst        int     // tokens the bucket holds; at least 1 with a limit
}

// Validate reports the first setting out of range.
func (l RateLimit) Validate() error {
	switch {
	case math.IsNaN(l.MaxPerSecond) || l.MaxPerSecond < 0:
		return fmt.Errorf("max spans per second %v: must not be negative (0: no limit)", l.MaxPerSecond)
	case l.MaxPerSecond > 0 && l.Burst < 1:
		return fmt.Errorf("burst %d: must be at least 1 with a rate limit", l.Burst)
	}
	return nil
}

// tokenBucket is a generic cell rate algorithm on the calls' own monotonic
// timestamps, so it reads no clock: it admits one call per interval on
// average and up to burst at once. interval 0 admits everything.
type tokenBucket struct {
	interval  int64 // ns per token
	tolerance int64 // how far ahead of now the next due time may run
	due       int64 // when the bucket will be as full as it was at start
}

func newTokenBucket(perSecond float64, burst int) tokenBucket {
	interval := int64(1e9 / perSecond)
	if interval <= 0 {
		return tokenBucket{}
	}
	return tokenBucket{interval: interval, tolerance: int64(burst-1) * interval}
}

// allow takes a token at monotonic time now (ns) if there is one. Over any
// span of d ns it admits at most burst + d/interval calls.
func (b *tokenBucket) allow(now int64) bool {
	if b.interval == 0 {
		return true
	}
	due := b.due
	if due < now {
		due = now
	}
	if due-now > b.tolerance {
		return false
	}
	b.due = due + b.interval
	return true
}
