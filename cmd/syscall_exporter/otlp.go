package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"

	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/exporter"
	"github.com/syscall-exporter/syscall_exporter/ptrace/syscalls"
)

// spanFlags choose which calls become OpenTelemetry spans and where they
// go. The --otlp.* flags override the standard OTEL_* variables.
type spanFlags struct {
	OTLPEndpoint string `name:"otlp.endpoint" placeholder:"URL" help:"Send spans to this OTLP receiver (http://host:4318, or http://host:4317 with --otlp.protocol=grpc); overrides OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT. Spans are off unless an endpoint is set here or there."`
	OTLPProtocol string `name:"otlp.protocol" placeholder:"PROTO" help:"http/protobuf (default) or grpc; overrides OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL."`
	OTLPInsecure bool   `name:"otlp.insecure" help:"Send spans without TLS; overrides OTEL_EXPORTER_OTLP_[TRACES_]INSECURE."`
	OTLPHeaders  string `name:"otlp.headers" placeholder:"K=V,…" help:"Headers for every export (percent-encoded values); replace OTEL_EXPORTER_OTLP_[TRACES_]HEADERS."`

	SpansIgnoreErrno   []string      `name:"spans.ignore-errno" sep:"," default:"EAGAIN,EINTR,ETIMEDOUT,EINPROGRESS" placeholder:"ERRNO" help:"Failures with these errnos are normal flow: they become spans only if slow or sampled (empty: none)."`
	SpansSlowThreshold time.Duration `name:"spans.slow-threshold" default:"10ms" help:"Calls longer than this become spans (0: none by duration)."`
	SpansSampleRatio   float64       `name:"spans.sample-ratio" default:"0" help:"Fraction of the other calls that become spans, 0 to 1."`
	SpansMaxPerSecond  float64       `name:"spans.max-per-second" default:"100" help:"Spans made per second at most, over all calls (0: no limit); the rest are counted as dropped."`
	SpansBurst         int           `name:"spans.burst" default:"100" help:"Spans allowed at once above the per-second rate."`
	SpansCommandArgs   bool          `name:"spans.command-args" help:"Add process.command_args to spans (off: arguments can hold secrets)."`
}

// spansShutdownTimeout bounds the exit: spans still queued then are lost.
const spansShutdownTimeout = 5 * time.Second

// spanExport is the running span pipeline; nil when spans are off.
type spanExport struct {
	spans  *exporter.Spans
	logger *slog.Logger
}

// startSpans checks the flags and, if an endpoint is configured, starts
// the pipeline, hands its sink to the collector and registers the span
// self-metrics. Call it before tracing starts.
func (f *spanFlags) startSpans(coll *collector.Collector, self prometheus.Registerer, logger *slog.Logger) (*spanExport, error) {
	policy, err := f.policy()
	if err != nil {
		return nil, err
	}
	cfg := exporter.OTLPConfig{
		Endpoint:       f.OTLPEndpoint,
		Protocol:       f.OTLPProtocol,
		Insecure:       f.OTLPInsecure,
		ServiceVersion: version.Version,
		CommandArgs:    f.SpansCommandArgs,
		Stats:          new(collector.SpanStats),
		Logger:         logger,
	}
	if f.OTLPHeaders != "" {
		if cfg.Headers, err = exporter.ParseOTLPHeaders(f.OTLPHeaders); err != nil {
			return nil, fmt.Errorf("--otlp.headers: %w", err)
		}
	}
	on, why := cfg.SpansEnabled()
	if !on {
		if f.OTLPEndpoint != "" {
			logger.Warn("spans off despite --otlp.endpoint", "reason", why)
		}
		return nil, nil
	}
	spans, err := exporter.StartSpans(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	if err := coll.SetSpanSink(spans.Sink(), policy, cfg.Stats); err != nil {
		return nil, err
	}
	self.MustRegister(collector.NewSpanStatsCollector(cfg.Stats))
	logger.Info("exporting spans", "because", why, "slow_threshold", policy.SlowThreshold,
		"sample_ratio", policy.SampleRatio, "max_per_second", policy.MaxPerSecond)
	return &spanExport{spans: spans, logger: logger}, nil
}

// stop flushes what is queued, within spansShutdownTimeout. Call it once
// tracing has stopped.
func (s *spanExport) stop() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), spansShutdownTimeout)
	defer cancel()
	if err := s.spans.Shutdown(ctx); err != nil {
		s.logger.Warn("spans not all flushed at exit", "err", err)
	}
}

func (f *spanFlags) policy() (collector.SpanPolicy, error) {
	p := collector.SpanPolicy{
		SlowThreshold: f.SpansSlowThreshold,
		SampleRatio:   f.SpansSampleRatio,
		MaxPerSecond:  f.SpansMaxPerSecond,
		Burst:         f.SpansBurst,
	}
	for _, name := range f.SpansIgnoreErrno {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		e, err := parseErrno(name)
		if err != nil {
			return p, fmt.Errorf("--spans.ignore-errno: %w", err)
		}
		p.IgnoreErrno = append(p.IgnoreErrno, e)
	}
	switch {
	case !(p.SampleRatio >= 0 && p.SampleRatio <= 1):
		return p, fmt.Errorf("--spans.sample-ratio=%v: want a number from 0 to 1", p.SampleRatio)
	case p.SlowThreshold < 0:
		return p, fmt.Errorf("--spans.slow-threshold=%v: must not be negative", p.SlowThreshold)
	case !(p.MaxPerSecond >= 0):
		return p, fmt.Errorf("--spans.max-per-second=%v: must not be negative (0: no limit)", p.MaxPerSecond)
	case p.MaxPerSecond > 0 && p.Burst < 1:
		return p, fmt.Errorf("--spans.burst=%d: must be at least 1", p.Burst)
	}
	return p, p.Validate()
}

// errnoAliases are the second names some errnos have.
var errnoAliases = map[string]string{"EWOULDBLOCK": "EAGAIN", "EDEADLOCK": "EDEADLK", "ENOTSUP": "EOPNOTSUPP"}

// parseErrno takes a name (ENOENT) or a number.
func parseErrno(s string) (uint16, error) {
	if n, err := strconv.ParseUint(s, 10, 16); err == nil && n > 0 && n < 4096 {
		return uint16(n), nil
	}
	name := strings.ToUpper(s)
	if alias, ok := errnoAliases[name]; ok {
		name = alias
	}
	for e := uint16(1); e < 512; e++ {
		if syscalls.ErrnoName(e) == name {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown errno %q (want a name such as EAGAIN, or a number)", s)
}
