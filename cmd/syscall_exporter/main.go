// Command syscall_exporter traces processes and serves per-syscall counts,
// errors and latency as Prometheus metrics.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/exporter"
)

// Exit codes besides the launched command's own.
const (
	exitFailure   = 1   // nothing could be traced, or tracing failed
	exitUsage     = 2   // a bad flag, or nothing to trace
	exitNotFound  = 127 // the command to launch is not there, as a shell says
	exitCommandOK = 0
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run parses the flags, wires backend → collector → exporter, traces until
// told to stop, and returns the exit code.
func run(args []string, stderr io.Writer) int {
	var c cli
	if err := parse(&c, args, stderr); err != nil {
		return usageError(stderr, err)
	}
	logger := newLogger(c.LogLevel, c.LogFormat, stderr)
	tuneRuntime()

	coll, crashes := collector.New(c.collectorConfig()), collector.NewCrashes()
	tracer := c.newBackend(coll, crashes, logger)
	disc := c.discovery(tracer, logger)
	data, self := prometheus.NewPedanticRegistry(), newSelfRegistry(tracer, disc)
	data.MustRegister(coll, crashes)
	spans, err := c.startSpans(coll, tracer, self, logger)
	if err != nil {
		return usageError(stderr, err)
	}
	reports := startCrashReports(crashes, spans, logger)
	dumpOnSIGUSR2(tracer, logger)
	summaries := c.startSummaries(coll, stderr, logger)
	if s, ok := tracer.(syncer); ok {
		summaries.sync = s.Sync
	}
	defer summaries.stop()
	srv, err := c.listen(coll, tracer, prometheus.Gatherers{freshGatherer(tracer, data), self}, self, logger)
	if err != nil {
		return usageError(stderr, err)
	}

	if code, ok := c.startTracing(tracer, stderr); !ok {
		return code
	}
	stopDiscovery := disc.start()
	dropPrivileges(c.keep, logger) // attached: from here on, only what --capabilities.keep names
	go serve(srv, logger)
	logger.Info("serving", "addresses", fmt.Sprint(srv.Addrs()), "path", c.TelemetryPath)

	code := c.waitForEnd(tracer, stopDiscovery, logger)
	summaries.atExit()
	reports.stop() // before the spans: a crash's span goes with them
	spans.stop()
	shutdown(srv)
	if c.launched() {
		return exitLike(tracer.LaunchStatus())
	}
	return code
}

// parse reads the flags; every check lives in a Validate method.
func parse(c *cli, args []string, stderr io.Writer) error {
	parser, err := kong.New(c,
		kong.Name("syscall_exporter"),
		kong.Description("Trace processes and serve per-syscall metrics for Prometheus."),
		kong.Writers(os.Stdout, stderr),
	)
	if err != nil {
		panic(err)
	}
	_, err = parser.Parse(args)
	return err
}

// usageError says what is wrong with the command line, in one line.
func usageError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "syscall_exporter: %v (see --help)\n", err)
	return exitUsage
}

// tuneRuntime: the tracer goroutine blocks in wait4 on its own thread;
// with a single P the runtime's background work competes with it
// (measured ~15%). The heap ballast keeps GC cycles, which stop the
// tracer, rare while the heap is small.
func tuneRuntime() {
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	keepHeapBallast(32<<20, time.Second)
	// Every traced stop and exit sends us SIGCHLD; with its default
	// action the kernel drops it instead of running Go's handler (about
	// 2.5 µs on the tracer thread each time). Unlike SIG_IGN, SIG_DFL
	// keeps the children's exit statuses for wait4.
	if err := defaultAction(syscall.SIGCHLD, saNoCldStop); err != nil {
		fmt.Fprintln(os.Stderr, "syscall_exporter: cannot reset SIGCHLD; every stop and exit will cost a signal:", err)
	}
}

// startTracing starts the backend and its targets: attached PIDs, the
// launched command. ok is false when the exporter must exit with code.
func (c *cli) startTracing(b backend.Backend, stderr io.Writer) (code int, ok bool) {
	if err := b.Start(); err != nil {
		fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
		return exitFailure, false
	}
	traced := 0
	for _, pid := range c.PID {
		if err := b.Attach(pid); err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
			continue
		}
		traced++
	}
	if c.launched() {
		path, err := exec.LookPath(c.Command[0])
		if err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: cannot run %s: %v\n", c.Command[0], err)
			b.DetachAll()
			return exitNotFound, false
		}
		if err := b.Launch(path, c.Command, os.Environ()); err != nil {
			fmt.Fprintf(stderr, "syscall_exporter: %v\n", err)
			b.DetachAll()
			return exitFailure, false
		}
		traced++
	}
	if traced == 0 && !c.discovering() {
		fmt.Fprintln(stderr, "syscall_exporter: no target could be traced; exiting")
		b.DetachAll()
		return exitFailure, false
	}
	return 0, true
}

// waitForEnd traces until the launched command ends, or SIGINT/SIGTERM
// detaches from the attached targets. A launched command gets the signal
// instead, as from a shell: it decides what the signal means.
func (c *cli) waitForEnd(b backend.Backend, stopDiscovery func(), logger *slog.Logger) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	for {
		select {
		case sig := <-sigs:
			if c.launched() {
				b.SignalLaunched(sig.(syscall.Signal))
				continue
			}
			logger.Info("detaching", "signal", sig.String())
			stopDiscovery()
			b.DetachAll()
			<-b.Done()
			return exitCommandOK
		case <-b.Done():
			return exitCommandOK
		}
	}
}

func serve(srv *exporter.Server, logger *slog.Logger) {
	if err := srv.Serve(); err != nil {
		logger.Error("HTTP server failed", "err", err)
	}
}

func shutdown(srv *exporter.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}
