// Package exporter serves what the collector gathers: /metrics over HTTP
// (with TLS and basic auth from exporter-toolkit), health endpoints and a
// landing page.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"
)

// Config is what the HTTP side needs from flags.
type Config struct {
	ListenAddresses []string
	WebConfigFile   string
	TelemetryPath   string
	MaxRequests     int
	Logger          *slog.Logger
}

// Handlers are the pieces the server routes to.
type Handlers struct {
	Gatherer prometheus.Gatherer   // traced data and self-metrics
	Self     prometheus.Registerer // where promhttp counts its own requests
	Ready    func() bool           // /readyz
	Landing  http.Handler          // "/"; nil for the toolkit's default page
	Version  string
}

// Server serves the exporter's endpoints on its listeners.
type Server struct {
	cfg       Config
	srv       *http.Server
	listeners []net.Listener
}

// Listen binds every address now, so a bad or busy address is reported
// before any tracing starts.
func Listen(cfg Config, h Handlers) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.WebConfigFile != "" {
		if err := web.Validate(cfg.WebConfigFile); err != nil {
			return nil, fmt.Errorf("--web.config.file=%s: %w", cfg.WebConfigFile, err)
		}
	}
	mux, err := newMux(cfg, h)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}}
	for _, addr := range cfg.ListenAddresses {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("--web.listen-address=%s: %w", addr, err)
		}
		s.listeners = append(s.listeners, l)
	}
	return s, nil
}

// Addrs are the bound addresses (useful with port 0).
func (s *Server) Addrs() []net.Addr {
	out := make([]net.Addr, len(s.listeners))
	for i, l := range s.listeners {
		out[i] = l.Addr()
	}
	return out
}

// Serve blocks until Shutdown.
func (s *Server) Serve() error {
	cfgFile := s.cfg.WebConfigFile
	flags := &web.FlagConfig{WebConfigFile: &cfgFile}
	err := web.ServeMultiple(s.listeners, s.srv, flags, s.cfg.Logger)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops serving, letting scrapes in flight finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func (s *Server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
}

func newMux(cfg Config, h Handlers) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	metrics := promhttp.HandlerFor(h.Gatherer, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
		Registry:          h.Self,
	})
	if cfg.MaxRequests > 0 {
		metrics = queueScrapes(metrics, cfg.MaxRequests)
	}
	if h.Self != nil {
		metrics = promhttp.InstrumentMetricHandler(h.Self, metrics)
	}
	mux.Handle(cfg.TelemetryPath, metrics)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if h.Ready != nil && !h.Ready() {
			http.Error(w, "no target attached", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	landing := h.Landing
	if landing == nil {
		page, err := web.NewLandingPage(web.LandingConfig{
			Name:        "syscall_exporter",
			Description: "Per-syscall counts, errors and latency of traced processes",
			Version:     h.Version,
			Links: []web.LandingLinks{
				{Address: cfg.TelemetryPath, Text: "Metrics"},
				{Address: "/healthz", Text: "Health"},
				{Address: "/readyz", Text: "Readiness"},
			},
		})
		if err != nil {
			return nil, err
		}
		landing = page
	}
	if cfg.TelemetryPath != "/" {
		mux.Handle("/", landing)
	}
	return mux, nil
}
