package main

import (
	"io"
	"strings"
	"testing"
)

// Bad command lines get one line naming what is wrong, from the check
// that owns it, before anything starts.
func TestBadFlagsSayWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{nil, "nothing to trace"},
		{[]string{"--pid", "1", "--no-such-flag"}, "no-such-flag"},
		{[]string{"--pid", "1", "--label.thread=bogus"}, "--label.thread"},
		{[]string{"--pid", "1", "--syscalls=nosuchcall"}, "nosuchcall"},
		{[]string{"--pid", "1", "--max-overhead=100"}, "--max-overhead must be between 0 and 100"},
		{[]string{"--pid", "1", "--backend=ebpf", "--max-overhead=5"}, "--max-overhead does not apply to --backend=ebpf"},
		{[]string{"--pid", "1", "--backend=dtrace"}, "--backend"},
		{[]string{"--pid", "1", "--metrics.max-series=-1"}, "--metrics.max-series"},
		{[]string{"--pid", "1", "--metrics.histogram.classic-buckets=0.003"}, "--metrics.histogram.classic-buckets: bucket 0.003 is not one of 1e-06,"},
		{[]string{"--pid", "1", "--metrics.histogram.classic-buckets=0.01,0.001"}, "buckets must increase"},
		{[]string{"--pid", "1", "--metrics.histogram.classic-buckets=fast"}, `"fast" is not a number of seconds`},
		{[]string{"--pid", "1", "--metrics.histogram.classic-buckets="}, `"" is not a number of seconds`},
		{[]string{"--pid", "1", "--metrics.histogram.native=maybe"}, "--metrics.histogram.native"},
		{[]string{"--pid", "1", "--metrics.histogram.labels=process,tid"}, `--metrics.histogram.labels: "tid" is not one of process, thread, pid, syscall`},
		{[]string{"--pid", "1", "--metrics.histogram.labels=process,pid"}, "--metrics.histogram.labels: the counters have no pid label (--label.pid)"},
		{[]string{"--pid", "1", "--label.thread=none", "--metrics.histogram.labels=thread"}, "the counters have no thread label (--label.thread)"},
		{[]string{"--pid", "1", "--capabilities.keep=cap_nope"}, "--capabilities.keep"},
		{[]string{"--match.comm=("}, `--match.comm="(": missing closing )`},
		{[]string{"--match.comm=x", "--discovery.interval=0s"}, "--discovery.interval must be positive"},
		{[]string{"--pid", "1", "--spans.sample-ratio=2"}, "sample ratio 2"},
		{[]string{"--pid", "1", "--spans.ignore-errno=ENOSUCH"}, "--spans.ignore-errno"},
		{[]string{"--pid", "1", "--otlp.headers=nokey"}, "--otlp.headers"},
		{[]string{"--pid", "1", "--flight-recorder=-1"}, "--flight-recorder=-1: want 0 (off) to 4096"},
		{[]string{"--pid", "1", "--spans.decode=some"}, `--spans.decode: decode mode "some": want none, paths or all`},
		{[]string{"--pid", "1", "--summary.output=/nonexistent/dir/file"}, "--summary.output"},
	} {
		var stderr strings.Builder
		var c cli
		err := parse(&c, tc.args, io.Discard)
		if err == nil {
			t.Errorf("%v: accepted", tc.args)
			continue
		}
		if code := usageError(&stderr, err); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, exitUsage)
		}
		if out := stderr.String(); strings.Count(out, "\n") != 1 || !strings.Contains(out, tc.says) {
			t.Errorf("%v: %q, want one line saying %q", tc.args, out, tc.says)
		}
	}
}

// A good command line leaves each group's parsed form behind.
func TestFlagsKeepWhatTheyParsed(t *testing.T) {
	var c cli
	if err := parse(&c, []string{"--match.comm=^app$", "--syscalls=%file", "--capabilities.keep=none", "--spans.ignore-errno=EAGAIN",
		"--metrics.histogram.labels=process,syscall", "--metrics.histogram.classic-buckets=0.001,0.1", "--no-metrics.histogram.native"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg := c.collectorConfig()
	if len(cfg.HistogramLabels) != 1 || len(cfg.ClassicBuckets) != 2 || !cfg.NoNativeHistogram || cfg.NoClassicBuckets {
		t.Errorf("collector config %+v", cfg)
	}
	if len(c.matcher.Comm) != 1 || c.filter == nil || c.keep.mask != 0 || c.keep.all || len(c.policy.IgnoreErrno) != 1 {
		t.Errorf("parsed: matcher %v, filter %v, keep %+v, policy %+v", c.matcher, c.filter, c.keep, c.policy)
	}
}

// With --backend=ebpf the default capabilities kept are the eBPF
// backend's; a --capabilities.keep given stays as given.
func TestEBPFBackendKeepsCapBPF(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--pid", "1", "--backend=ebpf"}, ebpfKeepCaps},
		{[]string{"--pid", "1", "--backend=ebpf", "--capabilities.keep=none"}, "none"},
		{[]string{"--pid", "1"}, defaultKeepCaps},
	} {
		var c cli
		if err := parse(&c, tc.args, io.Discard); err != nil {
			t.Fatal(err)
		}
		want, _ := parseKeep(tc.want)
		if c.keep != want {
			t.Errorf("%v: keep %+v, want %+v (%s)", tc.args, c.keep, want, tc.want)
		}
	}
}
