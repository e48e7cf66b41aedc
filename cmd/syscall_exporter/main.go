// Command syscall_exporter traces processes with ptrace and serves
// per-syscall counts, errors and latency as Prometheus metrics.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"github.com/alecthomas/kong"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/exporter"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/ptrace/syscalls"
)

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

	Syscalls string `name:"syscalls" placeholder:"LIST" help:"Trace only these syscalls: names and strace classes (%file, %network, %process, %signal, %memory, %desc), comma-separated, '!' first to negate. Launched commands get a seccomp filter, so the others run at native speed."`

	MaxOverhead float64 `name:"max-overhead" placeholder:"PERCENT" help:"Keep the targets' estimated slowdown under PERCENT by tracing in windows (0: trace everything). Counters stay raw; divide rates by syscall_exporter_sampling_ratio."`

	Retention time.Duration `name:"metrics.retention" default:"5m" help:"Keep exporting a thread name's series this long after its last thread is gone (0: forever)."`

	discoveryFlags `embed:""`
	hardeningFlags `embed:""`
	spanFlags      `embed:""`
	summaryFlags   `embed:""`

	LogLevel  string `name:"log.level" enum:"debug,info,warn,error" default:"info" help:"Log level: debug, info, warn, error."`
	LogFormat string `name:"log.format" enum:"logfmt,json" default:"logfmt" help:"Log format: logfmt or json."`

	Version versionFlag `name:"version" help:"Print version and exit."`
}

const usageExit = 2

// versionFlag prints the version when given. Not kong.VersionFlag: that
// takes the text as a kong variable, and kong interpolates every
// variable into every flag's tags at each start (0.9 ms of kong.New with
// version.Print's text), --version or not.
type versionFlag bool

func (versionFlag) BeforeReset(app *kong.Kong) error {
	fmt.Fprintln(app.Stdout, version.Print("syscall_exporter"))
	app.Exit(0)
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("syscall_exporter"),
		kong.Description("Trace processes with ptrace and serve per-syscall metrics for Prometheus."),
		kong.UsageOnError(),
		kong.Writers(os.Stdout, stderr),
	)
	if err != nil {
		panic(err)
	}
	if _, err := parser.Parse(args); err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
		return usageExit
	}
	if len(c.Command) > 0 && c.Command[0] == "--" {
		c.Command = c.Command[1:]
	}
	var filter *syscalls.Filter
	if c.Syscalls != "" {
		f, err := syscalls.Parse(c.Syscalls)
		if err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
			return usageExit
		}
		filter = &f
	}
	matcher, err := c.matcher()
	if err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
		return usageExit
	}
	if len(c.PID) == 0 && len(c.Command) == 0 && matcher.Empty() {
		fmt.Fprintln(stderr, "syscall_exporter: nothing to trace: give --pid PID, --match.comm REGEX or -- COMMAND (see --help)")
		return usageExit
	}
	keepCaps, err := parseKeep(c.KeepCaps)
	if err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
		return usageExit
	}
	logger := newLogger(c.LogLevel, c.LogFormat, stderr)

	// The tracer goroutine blocks in wait4 on its own thread; with a single
	// P the runtime's background work competes with it (measured ~15%).
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	keepHeapBallast(32<<20, time.Second)

	coll := collector.New(collector.Config{ThreadLabel: collector.ThreadLabel(c.ThreadLabel), PIDLabel: c.PIDLabel, Retention: c.Retention, MaxSeries: c.MaxSeries})
	if c.MaxOverhead < 0 || c.MaxOverhead >= 100 {
		fmt.Fprintln(stderr, "syscall_exporter: --max-overhead must be between 0 and 100 (percent) (see --help)")
		return usageExit
	}
	tracer := ptrace.New(ptrace.Config{Consumer: coll, Logger: logger, Filter: filter, MaxOverhead: c.MaxOverhead / 100})
	var discovery *ptrace.Discovery
	if !matcher.Empty() {
		discovery = &ptrace.Discovery{Tracer: tracer, Match: matcher, Interval: c.DiscoveryInterval, Logger: logger}
	}

	data := prometheus.NewPedanticRegistry()
	data.MustRegister(coll)
	self := prometheus.NewRegistry()
	self.MustRegister(
		collector.NewSelfCollector(&tracer.Stats, discovery),
		versioncollector.NewCollector("syscall_exporter"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	spans, err := c.startSpans(coll, self, logger)
	if err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
		return usageExit
	}
	summaries, err := c.startSummaries(coll, stderr, logger)
	if err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
		return usageExit
	}
	defer summaries.stop()

	srv, err := exporter.Listen(exporter.Config{
		ListenAddresses: c.ListenAddress,
		WebConfigFile:   c.WebConfigFile,
		TelemetryPath:   c.TelemetryPath,
		MaxRequests:     c.MaxRequests,
		Logger:          logger,
	}, exporter.Handlers{
		Gatherer: prometheus.Gatherers{data, self},
		Self:     self,
		Ready:    func() bool { return tracer.Stats.Targets.Load() > 0 },
		Landing:  exporter.NewLandingPage(exporter.LandingConfig{Collector: coll, Targets: tracer.Targets, TelemetryPath: c.TelemetryPath, Version: version.Info(), Logger: logger}),
		Version:  version.Info(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
		return usageExit
	}

	if err := tracer.Start(); err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
		return 1
	}
	traced := 0
	for _, pid := range c.PID {
		if err := tracer.Attach(pid); err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
			continue
		}
		traced++
	}
	launched := len(c.Command) > 0
	if launched {
		path, err := exec.LookPath(c.Command[0])
		if err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: cannot run %s: %v\n", c.Command[0], err)
			tracer.DetachAll()
			return 127
		}
		if err := tracer.Launch(path, c.Command, os.Environ()); err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
			tracer.DetachAll()
			return 1
		}
		traced++
	}
	stopDiscovery := func() {}
	if discovery != nil {
		ctx, stop := context.WithCancel(context.Background())
		stopDiscovery = stop
		go discovery.Run(ctx)
	} else if traced == 0 {
		fmt.Fprintln(stderr, "syscall_exporter: no target could be traced; exiting")
		tracer.DetachAll()
		return 1
	}
	// Attached: from here on, only what --capabilities.keep names.
	dropPrivileges(keepCaps, logger)

	go func() {
		if err := srv.Serve(); err != nil {
			logger.Error("HTTP server failed", "err", err)
		}
	}()
	logger.Info("serving", "addresses", fmt.Sprint(srv.Addrs()), "path", c.TelemetryPath)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	for {
		select {
		case sig := <-sigs:
			if launched {
				// Like a shell: the command decides what the signal means;
				// we exit when it does.
				tracer.SignalLaunched(sig.(syscall.Signal))
				continue
			}
			logger.Info("detaching", "signal", sig.String())
			stopDiscovery()
			tracer.DetachAll()
			<-tracer.Done()
			summaries.atExit()
			spans.stop()
			shutdown(srv)
			return 0
		case <-tracer.Done():
			summaries.atExit()
			spans.stop()
			shutdown(srv)
			if launched {
				return exitLikeCommand(tracer.LaunchStatus())
			}
			return 0
		}
	}
}

func shutdown(srv *exporter.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

// exitLikeCommand returns the command's exit code; for a command killed by
// a signal it kills the exporter with the same signal, as strace does, so
// the caller sees the same wait status.
func exitLikeCommand(ws unix.WaitStatus) int {
	if ws.Signaled() {
		sig := ws.Signal()
		// The Go runtime keeps a handler for every signal, and ignores
		// some (SIGUSR2, SIGURG…): restore the kernel's default action.
		var dfl [4]uint64
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
		unix.Kill(os.Getpid(), sig)
		time.Sleep(time.Second)
		return 128 + int(sig)
	}
	return ws.ExitStatus()
}

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
