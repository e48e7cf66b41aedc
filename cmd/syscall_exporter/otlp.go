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

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/ebpf"
	"github.com/syscall-exporter/syscall_exporter/exporter"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
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
	SpansDecode        string        `name:"spans.decode" default:"paths" placeholder:"MODE" help:"What of a span's call is read from the target's memory for its strace-style text: none, paths (paths, addresses, structures) or all (adds data buffers, which can hold secrets)."`

	// Parsed by Validate.
	decode  decode.Mode
	policy  collector.SpanPolicy
	limit   exporter.RateLimit
	headers map[string]string
}

// spansShutdownTimeout bounds the exit: spans still queued then are lost.
const spansShutdownTimeout = 5 * time.Second

// Validate parses what the span flags say, each error naming its flag.
func (f *spanFlags) Validate() error {
	mode, err := decode.ParseMode(f.SpansDecode)
	if err != nil {
		return fmt.Errorf("--spans.decode: %w", err)
	}
	f.decode = mode
	f.policy = collector.SpanPolicy{SlowThreshold: f.SpansSlowThreshold, SampleRatio: f.SpansSampleRatio}
	for _, name := range f.SpansIgnoreErrno {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		e, err := parseErrno(name)
		if err != nil {
			return fmt.Errorf("--spans.ignore-errno: %w", err)
		}
		f.policy.IgnoreErrno = append(f.policy.IgnoreErrno, e)
	}
	if err := f.policy.Validate(); err != nil {
		return fmt.Errorf("--spans.*: %w", err)
	}
	f.limit = exporter.RateLimit{MaxPerSecond: f.SpansMaxPerSecond, Burst: f.SpansBurst}
	if err := f.limit.Validate(); err != nil {
		return fmt.Errorf("--spans.*: %w", err)
	}
	if f.OTLPHeaders != "" {
		h, err := exporter.ParseOTLPHeaders(f.OTLPHeaders)
		if err != nil {
			return fmt.Errorf("--otlp.headers: %w", err)
		}
		f.headers = h
	}
	return nil
}

// decodeMode is what the backend reads for span texts: nothing when spans
// are off.
func (f *spanFlags) decodeMode() decode.Mode {
	cfg := exporter.OTLPConfig{Endpoint: f.OTLPEndpoint}
	if on, _ := cfg.SpansEnabled(); !on {
		return decode.ModeNone
	}
	return f.decode
}

// spanExport is the running span pipeline; nil when spans are off.
type spanExport struct {
	spans  *exporter.Spans
	logger *slog.Logger
}

// kernelSpanSelector is a backend that applies the span policy in the
// kernel (ebpf): the collector then takes its candidates as selected.
type kernelSpanSelector interface {
	SelectSpans(ebpf.SpanSelection)
}

// startSpans starts the pipeline if an endpoint is configured, hands its
// sink to the collector and registers its self-metrics. Call it before
// tracing starts.
func (f *spanFlags) startSpans(coll *collector.Collector, b backend.Backend, self prometheus.Registerer, logger *slog.Logger) (*spanExport, error) {
	cfg := exporter.OTLPConfig{
		Endpoint:       f.OTLPEndpoint,
		Protocol:       f.OTLPProtocol,
		Insecure:       f.OTLPInsecure,
		Headers:        f.headers,
		ServiceVersion: version.Version,
		RateLimit:      f.limit,
		Logger:         logger,
	}
	if f.SpansCommandArgs {
		cfg.CommandArgs = b.CommandArgs
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
	if err := coll.SetSpanSink(spans.Sink(), f.policy); err != nil {
		return nil, err
	}
	if k, ok := b.(kernelSpanSelector); ok {
		k.SelectSpans(ebpf.SpanSelection{IgnoreErrno: f.policy.IgnoreErrno, SlowThreshold: f.policy.SlowThreshold, SampleRatio: f.policy.SampleRatio})
	}
	self.MustRegister(spans)
	logger.Info("exporting spans", "because", why, "slow_threshold", f.policy.SlowThreshold,
		"sample_ratio", f.policy.SampleRatio, "max_per_second", f.limit.MaxPerSecond, "decode", f.decode)
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
