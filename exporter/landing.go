package exporter

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/summary"
)

// LandingConfig is what the landing page shows.
type LandingConfig struct {
	Collector *collector.Collector
	// Targets lists what is traced (backend.Backend.Targets); nil shows
	// nothing traced.
	Targets       func(maxProcs, maxThreads int) ([]backend.Target, int)
	TelemetryPath string
	Version       string
	Backend       string // the backend that traces: "ptrace", "ebpf"
	Logger        *slog.Logger
	Refresh       time.Duration // 0: 5 s
	TopSyscalls   int           // rows of the syscall table; 0: 20
}

// Bounds on what one page lists, so a host with thousands of traced
// threads still renders small and fast.
const (
	landingMaxProcs   = 20
	landingMaxThreads = 32
)

//go:embed landing.html.tmpl
var landingHTML string

// landingTemplate is parsed on the first visit, not at start: parsing
// is a tenth of a millisecond that a command launched for a few
// milliseconds, never visited, would pay.
var landingTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("landing").Funcs(template.FuncMap{
		"latency": formatLatency,
		"errnos":  formatErrnos,
	}).Parse(landingHTML))
})

// NewLandingPage returns the handler for "/": what is traced and a live
// strace -c style table, rendered on the server from the same Summary the
// --summary table prints, and refreshed by the browser with a meta tag.
func NewLandingPage(cfg LandingConfig) http.Handler {
	if cfg.Refresh <= 0 {
		cfg.Refresh = 5 * time.Second
	}
	if cfg.TopSyscalls <= 0 {
		cfg.TopSyscalls = 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &landingPage{cfg: cfg}
}

type landingPage struct {
	cfg LandingConfig
}

// landingView is what the template renders.
type landingView struct {
	Version        string
	Backend        string
	MetricsPath    string
	MetricsLink    string
	RefreshSeconds int
	Now            string

	Processes, Threads int
	Targets            []targetView
	MoreProcesses      int

	Rows     []summary.Row
	Total    summary.Row
	AllRows  int
	MoreRows bool
}

type targetView struct {
	backend.Target
	How  string
	Rows int // table rows the process spans
}

func (p *landingPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var buf bytes.Buffer
	if err := landingTemplate().Execute(&buf, p.view()); err != nil {
		p.cfg.Logger.Error("rendering the landing page", "err", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func (p *landingPage) view() *landingView {
	v := &landingView{
		Version:        p.cfg.Version,
		Backend:        p.cfg.Backend,
		MetricsPath:    p.cfg.TelemetryPath,
		MetricsLink:    relativeLink(p.cfg.TelemetryPath),
		RefreshSeconds: int(math.Ceil(p.cfg.Refresh.Seconds())),
		Now:            time.Now().Format("2006-01-02 15:04:05 MST"),
	}

	if p.cfg.Targets != nil {
		targets, more := p.cfg.Targets(landingMaxProcs, landingMaxThreads)
		listed := make(map[int]bool, len(targets))
		for _, t := range targets {
			listed[t.PID] = true
		}
		v.Processes, v.MoreProcesses = more, more
		for _, t := range targets {
			tv := targetView{Target: t, Rows: len(t.Threads)}
			switch {
			case t.Launched:
				tv.How = "launched"
			case listed[t.PPID]:
				tv.How = fmt.Sprintf("child of %d", t.PPID)
			default:
				tv.How = "attached"
			}
			if len(t.Threads) == 0 {
				continue // exited between the two reads of /proc
			}
			v.Processes++
			v.Threads += len(t.Threads) + t.MoreThreads
			v.Targets = append(v.Targets, tv)
		}
	}

	if p.cfg.Collector != nil {
		c := p.cfg.Collector
		sum := summary.Of(c.Snapshot(), c.LabelNames(), summary.BySyscall)
		if len(sum.Groups) == 1 {
			g := sum.Groups[0]
			v.AllRows = len(g.Rows)
			v.Rows = g.Rows
			if len(v.Rows) > p.cfg.TopSyscalls {
				v.Rows, v.MoreRows = v.Rows[:p.cfg.TopSyscalls], true
			}
			v.Total = g.Total
		}
	}
	return v
}

// relativeLink turns "/metrics" into "./metrics", so the links still work
// when a reverse proxy serves the exporter under a path prefix.
func relativeLink(path string) string {
	if strings.HasPrefix(path, "/") {
		return "." + path
	}
	return path
}

// formatLatency writes seconds in the unit that suits them.
func formatLatency(s float64) string {
	switch {
	case math.IsNaN(s):
		return "–"
	case s < 1e-3:
		return fmt.Sprintf("%.1f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}

// formatErrnos names the most frequent errnos of a row, at most three.
func formatErrnos(r summary.Row) string {
	errs := append([]collector.ErrnoCount(nil), r.Errnos...)
	if len(errs) == 0 {
		return ""
	}
	// Most frequent first; ties by errno number, as they came.
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Count > errs[j-1].Count; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	parts := make([]string, 0, 3)
	for i, e := range errs {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s×%d", e.Name, e.Count))
	}
	return strings.Join(parts, " ")
}
