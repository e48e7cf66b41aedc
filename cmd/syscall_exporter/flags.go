package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"

	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// cli is the command line. Each group of flags checks itself in a Validate
// method, which kong runs after parsing, and keeps what it parsed.
type cli struct {
	PID     []int    `name:"pid" sep:"," placeholder:"PID" help:"Attach to this process and all its threads (repeatable, or comma-separated)."`
	Command []string `arg:"" optional:"" passthrough:"partial" name:"command" help:"Launch this command traced (after --); the exporter exits with its status."`

	// :8750 is outside the 9100–9999 range that the Prometheus wiki has
	// fully allocated.
	ListenAddress []string `name:"web.listen-address" default:":8750" placeholder:"ADDR" help:"Addresses to serve metrics on (repeatable)."`
	WebConfigFile string   `name:"web.config.file" placeholder:"FILE" help:"exporter-toolkit web config: TLS and basic auth."`
	TelemetryPath string   `name:"web.telemetry-path" default:"/metrics" help:"Path under which to expose metrics."`
	MaxRequests   int      `name:"web.max-requests" default:"1" help:"Scrapes gathered at once; more wait their turn, up to their timeout (0: no limit)."`

	ThreadLabel string `name:"label.thread" enum:"name,tid,none" default:"name" help:"What the thread label holds: name (bounded), tid (one series per thread) or none."`
	PIDLabel    bool   `name:"label.pid" help:"Add a pid label (unbounded: one series per process)."`

	Backend string `name:"backend" enum:"ptrace,ebpf" default:"ptrace" help:"How to trace: ptrace (needs CAP_SYS_PTRACE only) or ebpf (counts in the kernel; needs CAP_BPF and CAP_PERFMON, Linux 5.12+ with BTF)."`

	ProgramStats bool `name:"ebpf.program-stats" help:"With --backend=ebpf: have the kernel time the programs (needs CAP_SYS_ADMIN), for syscall_exporter_bpf_program_seconds_total. Costs every syscall on the host two clock reads per program."`

	Syscalls string `name:"syscalls" placeholder:"LIST" help:"Trace only these syscalls: names and strace classes (%file, %network, %process, %signal, %memory, %desc), comma-separated, '!' first to negate. Launched commands get a seccomp filter, so the others run at native speed."`

	MaxOverhead float64 `name:"max-overhead" placeholder:"PERCENT" help:"Keep the targets' estimated slowdown under PERCENT by tracing in windows (0: trace everything). Counters stay raw; divide rates by syscall_exporter_sampling_ratio."`

	Retention time.Duration `name:"metrics.retention" default:"5m" help:"Keep exporting a thread name's series this long after its last thread is gone (0: forever)."`

	discoveryFlags `embed:""`
	hardeningFlags `embed:""`
	histogramFlags `embed:""`
	spanFlags      `embed:""`
	summaryFlags   `embed:""`
	recorderFlags  `embed:""`

	LogLevel  string `name:"log.level" enum:"debug,info,warn,error" default:"info" help:"Log level: debug, info, warn, error."`
	LogFormat string `name:"log.format" enum:"logfmt,json" default:"logfmt" help:"Log format: logfmt or json."`

	Version versionFlag `name:"version" help:"Print version and exit."`

	filter *syscalls.Filter // --syscalls, parsed; nil: every call
}

// Validate checks the flags once kong has parsed them: each group's own
// checks (kong does not look into unexported embedded structs), then what
// to trace.
func (c *cli) Validate() error {
	for _, group := range []interface{ Validate() error }{&c.discoveryFlags, &c.hardeningFlags, &c.histogramFlags, &c.spanFlags, &c.summaryFlags, &c.recorderFlags} {
		if err := group.Validate(); err != nil {
			return err
		}
	}
	if err := c.checkHistogramLabels(); err != nil {
		return err
	}
	if len(c.Command) > 0 && c.Command[0] == "--" {
		c.Command = c.Command[1:]
	}
	if len(c.PID) == 0 && len(c.Command) == 0 && !c.discovering() {
		return errors.New("nothing to trace: give --pid PID, --match.comm REGEX or -- COMMAND")
	}
	if c.Syscalls != "" {
		f, err := syscalls.Parse(c.Syscalls)
		if err != nil {
			return err
		}
		c.filter = &f
	}
	if c.MaxOverhead < 0 || c.MaxOverhead >= 100 {
		return errors.New("--max-overhead must be between 0 and 100 (percent)")
	}
	if c.Backend == "ebpf" {
		if c.MaxOverhead != 0 {
			return errors.New("--max-overhead does not apply to --backend=ebpf, which never stops its targets")
		}
		if c.KeepCaps == defaultKeepCaps {
			// Before Linux 6.5, with unprivileged BPF disabled (most
			// distributions), every bpf(2) call needs CAP_BPF, reading a
			// map through a held descriptor too; CAP_PERFMON only loads.
			c.keep, _ = parseKeep(ebpfKeepCaps)
		}
	}
	return nil
}

func (c *cli) launched() bool { return len(c.Command) > 0 }

func (c *cli) collectorConfig() collector.Config {
	return collector.Config{
		ThreadLabel: collector.ThreadLabel(c.ThreadLabel),
		PIDLabel:    c.PIDLabel,
		Retention:   c.Retention,
		MaxSeries:   c.MaxSeries,

		ClassicBuckets:    c.classic,
		NoClassicBuckets:  c.noneSet,
		NoNativeHistogram: !c.Native,
		HistogramLabels:   c.histLabels,
	}
}

// versionFlag prints the version when given. Not kong.VersionFlag: that
// takes the text as a kong variable, and kong interpolates every
// variable into every flag's tags at each start (0.9 ms of kong.New with
// version.Print's text), --version or not.
type versionFlag bool

// BeforeReset prints the version and exits, before any check runs.
func (versionFlag) BeforeReset(app *kong.Kong) error {
	fmt.Fprintln(app.Stdout, version.Print("syscall_exporter"))
	app.Exit(0)
	return nil
}

// newLogger makes the logger; kong has checked level and format.
func newLogger(level, format string, w io.Writer) *slog.Logger {
	cfg := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat(), Writer: w}
	if err := cfg.Level.Set(level); err != nil {
		panic(errors.New("log level validated by kong"))
	}
	if err := cfg.Format.Set(format); err != nil {
		panic(errors.New("log format validated by kong"))
	}
	return promslog.New(cfg)
}
