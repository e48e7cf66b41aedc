package exporter

import (
	"net/http"
	"strconv"
	"time"
)

// defaultScrapeWait is how long a scrape waits for its turn when the
// client did not say how long it will wait.
const defaultScrapeWait = 10 * time.Second

// queueScrapes lets at most n scrapes gather at once. The others wait for
// their turn instead of failing: a burst of scrapers all get their answer,
// and the work in flight stays bounded. Fewer goroutines running at once
// also matters to the tracer: a goroutine the runtime preempts waits in the
// global run queue behind every runnable one, and the tracer is one.
// A scrape still waiting when its client would give up (Prometheus sends
// X-Prometheus-Scrape-Timeout-Seconds) gets 503, as promhttp's limit gives;
// one holding a slot has that long again to be read, so a client that
// reads slowly cannot keep the others waiting.
func queueScrapes(next http.Handler, n int) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := scrapeWait(r)
		select {
		case slots <- struct{}{}:
		default:
			timer := time.NewTimer(wait)
			defer timer.Stop()
			select {
			case slots <- struct{}{}:
			case <-r.Context().Done():
				return
			case <-timer.C:
				http.Error(w, "too many concurrent scrapes (--web.max-requests); try again later", http.StatusServiceUnavailable)
				return
			}
		}
		defer func() { <-slots }()
		// Not every ResponseWriter can; the server's WriteTimeout still holds.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wait))
		next.ServeHTTP(w, r)
	})
}

// scrapeWait is how long a scrape may queue: the scraper's own timeout if
// it sent one, else defaultScrapeWait.
func scrapeWait(r *http.Request) time.Duration {
	if s := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); s != "" {
		if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 && secs < defaultScrapeWait.Seconds() {
			return time.Duration(secs * float64(time.Second))
		}
	}
	return defaultScrapeWait
}
