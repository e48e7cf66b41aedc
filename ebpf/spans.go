package ebpf

import (
	"math"
	"time"
)

// SpanSelection is the span policy (--spans.*) the programs apply in the
// kernel, so that only the calls that may become spans leave it. Its
// values come from the command line, through cmd, when spans are on.
type SpanSelection struct {
	IgnoreErrno   []uint16      // failures that are normal flow: offered only if slow or sampled
	SlowThreshold time.Duration // 0: no call counts as slow
	SampleRatio   float64       // 0..1 of the calls, drawn in the kernel
}

// The why bits of a span record (tracer.bpf.c).
const (
	spanFailed  = 1
	spanSlow    = 2
	spanSampled = 4
)

// SelectSpans has the programs offer failed, slow and sampled calls as the
// policy says. Call it before Start; without it only failures are offered.
func (t *Tracer) SelectSpans(s SpanSelection) {
	t.cfg.Spans = s
	t.fail.ignore = [maxIgnoredErrno/64 + 1]uint64{}
	for _, e := range s.IgnoreErrno {
		if int(e) <= maxIgnoredErrno {
			t.fail.ignore[e/64] |= 1 << (e % 64)
		}
	}
}

// maxIgnoredErrno is the largest errno --spans.ignore-errno can name.
const maxIgnoredErrno = 4095

// ignored reports whether a failure with errno is normal flow.
func (r *failureReader) ignored(errno uint16) bool {
	return int(errno) <= maxIgnoredErrno && r.ignore[errno/64]&(1<<(errno%64)) != 0
}

// spanVariables are the programs' constants for selection s.
func spanVariables(s SpanSelection) map[string]any {
	v := map[string]any{"span_slow_ns": uint64(max(s.SlowThreshold, 0))}
	switch {
	case s.SampleRatio >= 1:
		v["span_sample_all"] = true
	case s.SampleRatio > 0:
		v["span_sample_below"] = uint32(math.Min(s.SampleRatio*(1<<32), math.MaxUint32))
	}
	return v
}
