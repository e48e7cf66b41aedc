package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/version"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/discovery"
	"github.com/syscall-exporter/syscall_exporter/ebpf"
	"github.com/syscall-exporter/syscall_exporter/exporter"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
)

// newBackend makes the backend that feeds the collector.
func (c *cli) newBackend(coll backend.Consumer, crashes backend.CrashObserver, logger *slog.Logger) backend.Backend {
	if c.Backend == "ebpf" {
		return ebpf.New(ebpf.Config{Consumer: coll, Logger: logger, Filter: c.filter, MaxSeries: c.MaxSeries, ProgramStats: c.ProgramStats})
	}
	return namedPtrace{ptrace.New(ptrace.Config{Consumer: coll, Logger: logger, Filter: c.filter, MaxOverhead: c.MaxOverhead / 100,
		Decode: c.decodeMode(), FlightRecorder: c.FlightRecorder, Crashes: crashes})}
}

// namedPtrace is the ptrace backend, which names itself for
// syscall_exporter_backend_info.
type namedPtrace struct{ *ptrace.Tracer }

func (namedPtrace) BackendName() string { return "ptrace" }

// syncer is a backend that counts in the kernel and hands the counts over
// when it reads them (ebpf): a scrape asks it to read first.
type syncer interface{ Sync() }

// freshGatherer gathers g after the backend, if it reads counts, has read
// them: a scrape sees every call made before it.
func freshGatherer(b backend.Backend, g prometheus.Gatherer) prometheus.Gatherer {
	s, ok := b.(syncer)
	if !ok {
		return g
	}
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		s.Sync()
		return g.Gather()
	})
}

// newSelfRegistry holds the exporter's own metrics: the backend's health,
// discovery's, build info, and the Go runtime's and process's.
func newSelfRegistry(b backend.Backend, d discoverer) *prometheus.Registry {
	self := prometheus.NewRegistry()
	var ds collector.DiscoveryStats
	if d.d != nil {
		ds = d.d
	}
	self.MustRegister(
		collector.NewSelfCollector(b, ds),
		versioncollector.NewCollector("syscall_exporter"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return self
}

// listen binds the HTTP server now, so a bad or busy address is reported
// before any tracing starts.
func (c *cli) listen(coll *collector.Collector, b backend.Backend, gatherer prometheus.Gatherer, self prometheus.Registerer, logger *slog.Logger) (*exporter.Server, error) {
	return exporter.Listen(exporter.Config{
		ListenAddresses: c.ListenAddress,
		WebConfigFile:   c.WebConfigFile,
		TelemetryPath:   c.TelemetryPath,
		MaxRequests:     c.MaxRequests,
		Logger:          logger,
	}, exporter.Handlers{
		Gatherer: gatherer,
		Self:     self,
		Ready:    func() bool { return b.Stats().Targets.Load() > 0 },
		Landing:  exporter.NewLandingPage(exporter.LandingConfig{Collector: coll, Targets: b.Targets, TelemetryPath: c.TelemetryPath, Version: version.Info(), Backend: c.Backend, Logger: logger}),
		Version:  version.Info(),
	})
}

// discoverer runs discovery, if --match.* asked for it.
type discoverer struct{ d *discovery.Discovery }

func (c *cli) discovery(b backend.Backend, logger *slog.Logger) discoverer {
	if !c.discovering() {
		return discoverer{}
	}
	return discoverer{&discovery.Discovery{Tracer: b, Match: c.matcher, Interval: c.DiscoveryInterval, Logger: logger}}
}

// start scans in the background; the returned func stops it.
func (d discoverer) start() func() {
	if d.d == nil {
		return func() {}
	}
	ctx, stop := context.WithCancel(context.Background())
	go d.d.Run(ctx)
	return stop
}
