package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/exporter"
)

// maxFlightRecorder bounds --flight-recorder: each thread's ring costs
// 88 bytes a call.
const maxFlightRecorder = 4096

// recorderFlags ask each traced thread to keep its last calls, for the
// log when its process crashes and on SIGUSR2.
type recorderFlags struct {
	FlightRecorder int `name:"flight-recorder" default:"0" placeholder:"N" help:"Keep each traced thread's last N calls; log them when its process dies of a signal that dumps core, and on SIGUSR2 (0: off)."`
}

// Validate checks the ring's size.
func (f *recorderFlags) Validate() error {
	if f.FlightRecorder < 0 || f.FlightRecorder > maxFlightRecorder {
		return fmt.Errorf("--flight-recorder=%d: want 0 (off) to %d calls per thread", f.FlightRecorder, maxFlightRecorder)
	}
	return nil
}

// crashReporting counts crashes and reports them (log, span) off the
// backend's thread.
type crashReporting struct {
	counts *collector.Crashes
	report *exporter.CrashReport
}

// startCrashReports starts the report; spans may be nil.
func startCrashReports(counts *collector.Crashes, spans *spanExport, logger *slog.Logger) *crashReporting {
	var s *exporter.Spans
	if spans != nil {
		s = spans.spans
	}
	r := &crashReporting{counts: counts, report: exporter.NewCrashReport(logger, s)}
	counts.AddSink(r.report)
	return r
}

// stop logs what is queued; call it once tracing has stopped.
func (r *crashReporting) stop() { r.report.Close() }

// dumpOnSIGUSR2 logs every live thread's recorded calls on each SIGUSR2,
// from now on, in either mode: nothing is stopped for it, and without
// the recorder it says so.
func dumpOnSIGUSR2(b backend.Backend, logger *slog.Logger) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR2)
	go func() {
		for range sigs {
			fr, ok := b.(backend.FlightRecorder)
			var threads []backend.RecentCalls
			if ok {
				threads = fr.RecentCalls()
			}
			if threads == nil {
				logger.Info("SIGUSR2: no flight recorder (--flight-recorder=N keeps each thread's last N calls)")
				continue
			}
			for _, th := range threads {
				exporter.LogRecentCalls(logger, slog.LevelInfo, "flight recorder", th, "pid", th.Thread.PID, "process", th.Thread.Process)
			}
		}
	}()
}
