package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0" // the version the SDK's own resource detectors use
	"go.opentelemetry.io/otel/trace"

	"github.com/syscall-exporter/syscall_exporter/collector"
)

// OTLPConfig says where spans go and what they carry. Empty fields leave
// the standard OTEL_* environment variables in force; set fields override
// them.
type OTLPConfig struct {
	Endpoint string            // receiver URL; replaces OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT
	Protocol string            // "http/protobuf" or "grpc"; replaces OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL
	Insecure bool              // no TLS, whatever the endpoint says
	Headers  map[string]string // replaces OTEL_EXPORTER_OTLP_[TRACES_]HEADERS

	ServiceVersion string // service.version, unless OTEL_RESOURCE_ATTRIBUTES says otherwise
	// CommandArgs, if set, reads a process's arguments for
	// process.command_args: off by default, they can hold secrets.
	CommandArgs func(pid int32) []string
	QueueSize   int       // records waiting for the span builder; 0: DefaultSpanQueueSize
	RateLimit   RateLimit // spans made at most, over all calls

	Logger *slog.Logger
}

// DefaultSpanQueueSize bounds the records waiting between the tracer
// thread and the span builder, as the SDK's batch processor bounds spans.
const DefaultSpanQueueSize = 2048

// SpansEnabled reports whether spans are on: an endpoint is configured (the
// flag, OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
// and OTEL_SDK_DISABLED is not true. why says which, for the log.
func (cfg *OTLPConfig) SpansEnabled() (on bool, why string) {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		return false, "OTEL_SDK_DISABLED is true"
	}
	switch {
	case cfg.Endpoint != "":
		return true, "--otlp.endpoint is set"
	case os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		return true, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set"
	case os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		return true, "OTEL_EXPORTER_OTLP_ENDPOINT is set"
	}
	return false, "no OTLP endpoint is configured"
}

// Spans is the running span pipeline: a token bucket and a bounded queue
// the backend's thread offers records to, a goroutine that makes them into
// spans, and the SDK's batch processor and OTLP exporter behind it. It
// counts the fate of every record offered (SpanStats), and exposes the
// counts as a prometheus.Collector.
type Spans struct {
	provider *sdktrace.TracerProvider
	queue    *spanQueue
	spanStatsCollector
}

// StartSpans builds the pipeline; it sends nothing until a span is made.
// Bad settings are returned as one-line errors naming the setting.
func StartSpans(ctx context.Context, cfg OTLPConfig) (*Spans, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.RateLimit.Validate(); err != nil {
		return nil, err
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultSpanQueueSize
	}
	client, err := otlpClient(cfg)
	if err != nil {
		return nil, err
	}
	exp, err := otlptrace.New(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	res, err := spanResource(ctx, cfg.ServiceVersion)
	if err != nil {
		return nil, err
	}
	stats := new(SpanStats)
	otel.SetErrorHandler(&throttledErrors{logger: cfg.Logger})
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		// The collector already chose these calls; the SDK must keep every
		// one, or an exemplar would point at a span that never existed.
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithIDGenerator(presetIDs{}),
		// Blocking only holds up the span builder goroutine; the tracer
		// thread sees a full queue of its own and counts the drop.
		sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(&countingExporter{SpanExporter: exp, stats: stats}, sdktrace.WithBlocking())),
	)
	tracer := provider.Tracer("github.com/syscall-exporter/syscall_exporter",
		trace.WithInstrumentationVersion(cfg.ServiceVersion), trace.WithSchemaURL(semconv.SchemaURL))
	q := newSpanQueue(tracer, cfg.QueueSize, cfg.RateLimit, stats, cfg.CommandArgs)
	go q.run()
	return &Spans{provider: provider, queue: q, spanStatsCollector: spanStatsCollector{stats}}, nil
}

// Sink is what the collector offers records to.
func (s *Spans) Sink() collector.SpanSink { return s.queue }

// Shutdown makes spans of the records still queued and flushes them, for
// as long as ctx allows. Call it after tracing has stopped.
func (s *Spans) Shutdown(ctx context.Context) error {
	return errors.Join(s.queue.close(ctx), s.provider.Shutdown(ctx))
}

// protocols are the OTLP transports spans can take.
const (
	protocolHTTP = "http/protobuf"
	protocolGRPC = "grpc"
)

func otlpClient(cfg OTLPConfig) (otlptrace.Client, error) {
	protocol, source := cfg.Protocol, "--otlp.protocol"
	for _, env := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if protocol == "" {
			protocol, source = os.Getenv(env), env
		}
	}
	if protocol == "" {
		protocol = protocolHTTP
	}
	var endpoint string
	if cfg.Endpoint != "" {
		u, err := parseEndpoint(cfg.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("--otlp.endpoint=%s: %w", cfg.Endpoint, err)
		}
		if protocol == protocolHTTP && (u.Path == "" || u.Path == "/") {
			u.Path = "/v1/traces"
		}
		endpoint = u.String()
	}
	switch protocol {
	case protocolHTTP:
		var opts []otlptracehttp.Option
		if endpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(endpoint))
		}
		if cfg.Insecure {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		if cfg.Headers != nil {
			opts = append(opts, otlptracehttp.WithHeaders(cfg.Headers))
		}
		return otlptracehttp.NewClient(opts...), nil
	case protocolGRPC:
		var opts []otlptracegrpc.Option
		if endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(endpoint))
		}
		if cfg.Insecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		if cfg.Headers != nil {
			opts = append(opts, otlptracegrpc.WithHeaders(cfg.Headers))
		}
		return otlptracegrpc.NewClient(opts...), nil
	}
	return nil, fmt.Errorf("%s=%s: want %s or %s", source, protocol, protocolHTTP, protocolGRPC)
}

// parseEndpoint accepts what OTEL_EXPORTER_OTLP_TRACES_ENDPOINT accepts: an
// http or https URL with a host.
func parseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("want an http or https URL such as http://localhost:4318")
	}
	return u, nil
}

// ParseOTLPHeaders reads the OTEL_EXPORTER_OTLP_HEADERS format:
// key=value pairs separated by commas, values percent-encoded.
func ParseOTLPHeaders(s string) (map[string]string, error) {
	h := make(map[string]string)
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("header %q: want key=value", pair)
		}
		value, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", k, err)
		}
		h[k] = value
	}
	return h, nil
}

// spanResource describes the exporter: service.name defaults to
// syscall_exporter; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (where
// a pod's k8s.* attributes go) take precedence.
func spanResource(ctx context.Context, serviceVersion string) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{semconv.ServiceName("syscall_exporter")}
	if serviceVersion != "" {
		attrs = append(attrs, semconv.ServiceVersion(serviceVersion))
	}
	res, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithAttributes(attrs...),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES/OTEL_SERVICE_NAME: %w", err)
	}
	return res, nil
}

// countingExporter counts every span the batch processor hands over as
// exported or failed, which with the queue's counts makes exported +
// dropped = offered calls.
type countingExporter struct {
	sdktrace.SpanExporter
	stats *SpanStats
}

// ExportSpans exports and counts the outcome.
func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		e.stats.Dropped[DropExportFailed].Add(uint64(len(spans)))
		return err
	}
	e.stats.Exported.Add(uint64(len(spans)))
	return nil
}

// throttledErrors logs the SDK's errors (failed exports, mostly) at most
// once a minute: a receiver that is down for an hour is one line a minute,
// and syscall_exporter_spans_dropped_total has the count.
type throttledErrors struct {
	logger     *slog.Logger
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Handle logs err unless another was logged within the minute.
func (h *throttledErrors) Handle(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.last.IsZero() && time.Since(h.last) < time.Minute {
		h.suppressed++
		return
	}
	h.logger.Warn("OpenTelemetry SDK", "err", err, "errors_not_logged", h.suppressed)
	h.last, h.suppressed = time.Now(), 0
}
