package exporter

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestSpansEnabledByEndpointOnly(t *testing.T) {
	for _, tc := range []struct {
		flag string
		env  map[string]string
		on   bool
	}{
		{"", nil, false},
		{"http://127.0.0.1:4318", nil, true},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{"", map[string]string{"OTEL_SERVICE_NAME": "x", "OTEL_EXPORTER_OTLP_HEADERS": "a=b"}, false},
		{"http://127.0.0.1:4318", map[string]string{"OTEL_SDK_DISABLED": "true"}, false},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "TRUE"}, false},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "false"}, true},
	} {
		for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_HEADERS"} {
			t.Setenv(k, tc.env[k])
		}
		cfg := OTLPConfig{Endpoint: tc.flag}
		if on, why := cfg.SpansEnabled(); on != tc.on {
			t.Errorf("flag %q env %v: on=%v (%s), want %v", tc.flag, tc.env, on, why, tc.on)
		}
	}
}

func TestBadSettingsAreOneLine(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
	for _, tc := range []struct {
		cfg  OTLPConfig
		env  string // OTEL_EXPORTER_OTLP_PROTOCOL
		want string
	}{
		{OTLPConfig{Endpoint: "localhost:4318"}, "", "--otlp.endpoint=localhost:4318: want an http or https URL"},
		{OTLPConfig{Endpoint: "ftp://x"}, "", "--otlp.endpoint=ftp://x"},
		{OTLPConfig{Endpoint: "http://x", Protocol: "http/json"}, "", "--otlp.protocol=http/json: want http/protobuf or grpc"},
		{OTLPConfig{Endpoint: "http://x"}, "thrift", "OTEL_EXPORTER_OTLP_PROTOCOL=thrift: want http/protobuf or grpc"},
	} {
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tc.env)
		_, err := otlpClient(tc.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: error %v, want %q…", tc.cfg, err, tc.want)
		}
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "")
	for _, cfg := range []OTLPConfig{{Endpoint: "http://127.0.0.1:4318"}, {Endpoint: "https://c.example:4317", Protocol: "grpc"}} {
		if _, err := otlpClient(cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestParseOTLPHeaders(t *testing.T) {
	h, err := ParseOTLPHeaders("api-key=s3cr%20t, X-Scope-OrgID = tenant1,")
	if err != nil || !reflect.DeepEqual(h, map[string]string{"api-key": "s3cr t", "X-Scope-OrgID": "tenant1"}) {
		t.Errorf("%v %v", h, err)
	}
	for _, bad := range []string{"novalue", "=v", "k=%zz"} {
		if _, err := ParseOTLPHeaders(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// countingExporter is what makes exported + dropped exact: every span the
// batch processor hands over is counted once, as exported or failed.
func TestExportsAreCountedOnce(t *testing.T) {
	stats := new(SpanStats)
	mem := tracetest.NewInMemoryExporter()
	ok := &countingExporter{SpanExporter: mem, stats: stats}
	spans := tracetest.SpanStubs{{Name: "a"}, {Name: "b"}, {Name: "c"}}.Snapshots()
	if err := ok.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	failing := &countingExporter{SpanExporter: failingExporter{mem}, stats: stats}
	if err := failing.ExportSpans(context.Background(), spans[:2]); err == nil {
		t.Fatal("export to a failing exporter succeeded")
	}
	if e, f := stats.Exported.Load(), stats.Dropped[DropExportFailed].Load(); e != 3 || f != 2 {
		t.Errorf("exported %d, export_failed %d; want 3, 2", e, f)
	}
}

type failingExporter struct{ sdktrace.SpanExporter }

func (failingExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	return errors.New("receiver unavailable")
}

func TestSDKErrorsAreLoggedOnceAMinute(t *testing.T) {
	var buf bytes.Buffer
	h := &throttledErrors{logger: slog.New(slog.NewTextHandler(&buf, nil))}
	for range 50 {
		h.Handle(errors.New("traces export: connection refused"))
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("%d lines for 50 errors within a minute:\n%s", n, buf.String())
	}
	h.last = h.last.Add(-61e9)
	h.Handle(errors.New("again"))
	if !strings.Contains(buf.String(), "errors_not_logged=49") {
		t.Errorf("the next line does not count the 49 not logged:\n%s", buf.String())
	}
}
