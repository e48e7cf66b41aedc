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
	Labels         string `name:"metrics.histogram.labels" default:"all" placeholder:"LABELS" help:"Labels syscall_duration_seconds keeps, comma-separated, from process, thread, pid, syscall ('all': those of the counters); syscall is always kept. process,syscall gives one histogram per process and syscall while the counters keep every thread."`

	classic    []float64 // --metrics.histogram.classic-buckets, parsed; nil: all
	noneSet    bool      // --metrics.histogram.classic-buckets=none
	histLabels []string  // --metrics.histogram.labels, parsed; nil: all
}

// Validate runs when kong has parsed the flags.
func (h *histogramFlags) Validate() error {
	if err := h.parseLabels(); err != nil {
		return err
	}
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

func (h *histogramFlags) parseLabels() error {
	if h.Labels == "all" {
		return nil
	}
	h.histLabels = []string{}
	for _, l := range strings.Split(h.Labels, ",") {
		switch l = strings.TrimSpace(l); l {
		case "syscall":
		case "process", "thread", "pid":
			h.histLabels = append(h.histLabels, l)
		default:
			return fmt.Errorf("--metrics.histogram.labels: %q is not one of process, thread, pid, syscall", l)
		}
	}
	return nil
}

// checkHistogramLabels says whether the histogram keeps only labels the
// counters have.
func (c *cli) checkHistogramLabels() error {
	for _, l := range c.histLabels {
		if l == "thread" && c.ThreadLabel == "none" || l == "pid" && !c.PIDLabel {
			return fmt.Errorf("--metrics.histogram.labels: the counters have no %s label (--label.%s)", l, l)
		}
	}
	return nil
}
