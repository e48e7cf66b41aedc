package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/syscall-exporter/syscall_exporter/collector"
)

// histogramFlags choose what syscall_duration_seconds exposes, and so what
// each of its series costs in the --metrics.max-series budget.
type histogramFlags struct {
	ClassicBuckets string `name:"metrics.histogram.classic-buckets" default:"all" placeholder:"LIST" help:"Classic buckets of syscall_duration_seconds: upper bounds in seconds, comma-separated, each one of 1e-06,2.5e-06,5e-06,…,10 (the 1-2.5-5 series from 1µs to 10s); 'all' or 'none' (+Inf, _sum and _count only)."`
	Native         bool   `name:"metrics.histogram.native" default:"true" negatable:"" help:"Expose syscall_duration_seconds as a native histogram too (protobuf scrapes only; one series each)."`

	classic []float64 // --metrics.histogram.classic-buckets, parsed; nil: all
	noneSet bool      // --metrics.histogram.classic-buckets=none
}

// Validate runs when kong has parsed the flags.
func (h *histogramFlags) Validate() error {
	switch h.ClassicBuckets {
	case "all":
		return nil
	case "none":
		h.noneSet = true
		return nil
	}
	for _, f := range strings.Split(h.ClassicBuckets, ",") {
		b, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("--metrics.histogram.classic-buckets: %q is not a number of seconds, 'all' or 'none'", f)
		}
		h.classic = append(h.classic, b)
	}
	if err := collector.CheckClassicBuckets(h.classic); err != nil {
		return fmt.Errorf("--metrics.histogram.classic-buckets: %w", err)
	}
	return nil
}
