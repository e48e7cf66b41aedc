package exporter

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestScrapesQueueInsteadOfFailing(t *testing.T) {
	var inside, most atomic.Int32
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := inside.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inside.Add(-1)
		w.Write([]byte("ok\n"))
	})
	srv := httptest.NewServer(queueScrapes(slow, 2))
	defer srv.Close()

	const clients = 20
	var wg sync.WaitGroup
	codes := make(chan int, clients)
	for range clients {
		wg.Go(func() {
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	ok := 0
	for c := range codes {
		if c == http.StatusOK {
			ok++
		}
	}
	if ok != clients {
		t.Errorf("%d of %d scrapes succeeded", ok, clients)
	}
	if m := most.Load(); m != 2 {
		t.Errorf("%d scrapes gathered at once, want the limit, 2", m)
	}
}

func TestQueuedScrapeGivesUpWithItsClient(t *testing.T) {
	release := make(chan struct{})
	held := make(chan struct{})
	blocking := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(held)
		<-release
	})
	srv := httptest.NewServer(queueScrapes(blocking, 1))
	defer srv.Close()
	defer close(release)
	go http.Get(srv.URL)
	<-held

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "0.1")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 once the scrape timeout passed", resp.StatusCode)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond || waited > 5*time.Second {
		t.Errorf("waited %v, want about the 0.1 s the scraper allows", waited)
	}
}
