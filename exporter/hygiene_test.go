package exporter

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// A slow or silent client cannot hold a connection forever, and nothing
// but the documented endpoints is served: no pprof, no expvar.
func TestServerHasTimeoutsAndNoDebugEndpoints(t *testing.T) {
	s, err := Listen(Config{ListenAddresses: []string{"127.0.0.1:0"}, TelemetryPath: "/metrics", MaxRequests: 1},
		Handlers{Gatherer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeListeners()
	for name, d := range map[string]int64{
		"ReadHeaderTimeout": int64(s.srv.ReadHeaderTimeout), "ReadTimeout": int64(s.srv.ReadTimeout),
		"WriteTimeout": int64(s.srv.WriteTimeout), "IdleTimeout": int64(s.srv.IdleTimeout),
	} {
		if d <= 0 {
			t.Errorf("%s not set", name)
		}
	}
	for path, want := range map[string]int{
		"/metrics": http.StatusOK, "/healthz": http.StatusOK, "/": http.StatusOK,
		"/debug/pprof/": http.StatusNotFound, "/debug/pprof/heap": http.StatusNotFound, "/debug/vars": http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		s.srv.Handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}
