package e2e

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// Issue 17's workload: a target gives 12 000 threads a name each. A real
// Prometheus scrapes the exporter at its budget: what it stores of
// syscall_* is what the exporter says it exposes (syscall_exporter_series)
// and at most the budget, its scrape_samples_scraped is every sample of
// the scrape, and no call is lost from the sums. Over the text format,
// and over protobuf with native histograms, where Prometheus 2.42 keeps a
// native histogram as one series and its classic buckets not at all.
func TestSeriesBudgetAgreesWithPrometheus(t *testing.T) {
	testprog.RequireTracing(t)
	promBin := testprog.RequireTool(t, "prometheus", "prometheus")
	const threads, getppids = 12000, 2
	for _, tc := range []struct {
		name       string
		budget     int // 0: the default
		exporter   []string
		prometheus []string
		native     bool // Prometheus stores native histograms only
	}{
		{name: "text, default budget"},
		{name: "text, 2000", budget: 2000},
		{name: "text, 2000, 6 buckets, no native", budget: 2000, exporter: []string{"--metrics.histogram.classic-buckets=0.00001,0.0001,0.001,0.01,0.1,1", "--no-metrics.histogram.native"}},
		{name: "text, 2000, histogram without thread", budget: 2000, exporter: []string{"--metrics.histogram.labels=process,syscall"}},
		{name: "protobuf, native, 2000", budget: 2000, prometheus: []string{"--enable-feature=native-histograms"}, native: true},
		{name: "protobuf, native, no classic, 2000", budget: 2000, exporter: []string{"--metrics.histogram.classic-buckets=none"}, prometheus: []string{"--enable-feature=native-histograms"}, native: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budget := tc.budget
			args := tc.exporter
			if budget != 0 {
				args = append(args, "--metrics.max-series="+strconv.Itoa(budget))
			} else {
				budget = 5000
			}
			p := startProg(t, "churn", "-w", "-u", "-n", strconv.Itoa(threads), "-g", strconv.Itoa(getppids), "-l")
			p.waitOutput(t, "ready", 5*time.Second)
			e := startExporterBin(t, plainExporter(t), append([]string{"--pid", strconv.Itoa(p.pid())}, args...)...)
			p.waitOutput(t, fmt.Sprintf("joined %d\n", threads), 120*time.Second)
			eventually(t, 10*time.Second, "tracees back to 1", func() bool {
				return scrape(t, e.Addr).get("syscall_exporter_tracees") == 1
			})
			rss := rssKiB(t, e.cmd.Process.Pid)
			m := scrape(t, e.Addr)
			says := m.get("syscall_exporter_series")

			prom := startPrometheus(t, promBin, e.Addr, tc.prometheus...)
			job := fmt.Sprintf("{job=%q}", promJob)
			one := func(expr string) float64 {
				t.Helper()
				s, err := prom.query(expr)
				if err != nil || len(s) != 1 {
					t.Fatalf("%s: %v %v", expr, s, err)
				}
				return s[0].value()
			}
			// Three scrapes after the workload: nothing changes any more.
			eventuallyEvery(t, 30*time.Second, "three scrapes", func() bool {
				s, err := prom.query(`count_over_time(up` + job + `[1m]) >= 3`)
				return err == nil && len(s) == 1
			})
			traced := one(`count({job="` + promJob + `", __name__=~"syscall_(calls_total|errors_total|duration_seconds.*)"})`)
			scraped := one(`scrape_samples_scraped` + job)
			stored := one(`count({job="` + promJob + `", __name__!~"up|scrape_.*|ALERTS.*|.*:.*"})`)
			exposed := one(`syscall_exporter_series` + job)
			t.Logf("figure: budget %d: Prometheus stores %v syscall_* series, scrape_samples_scraped %v; the exporter says %v (%v before Prometheus came); RSS %d KiB",
				budget, traced, scraped, exposed, says, rss)

			if scraped != stored {
				t.Errorf("scrape_samples_scraped = %v, but Prometheus stores %v series of the target", scraped, stored)
			}
			if traced > float64(budget) {
				t.Errorf("Prometheus stores %v syscall_* series, budget %d", traced, budget)
			}
			if tc.native {
				// One series per native histogram instead of the classic
				// buckets' n+3: fewer than the budget counts.
				if traced > exposed {
					t.Errorf("Prometheus stores %v syscall_* series, more than the %v the exporter says it exposes", traced, exposed)
				}
				if n := one(`count(syscall_duration_seconds` + job + `)`); n == 0 {
					t.Error("no native histogram stored")
				}
			} else if traced != exposed {
				t.Errorf("Prometheus stores %v syscall_* series, the exporter says it exposes %v", traced, exposed)
			}
			if exposed > float64(budget) {
				t.Errorf("syscall_exporter_series = %v, budget %d", exposed, budget)
			}
			if rss > 128<<10 {
				t.Errorf("exporter RSS %d KiB, over half the sidecar's 256Mi", rss)
			}
			if one(`syscall_exporter_series_dropped_total`+job) == 0 {
				t.Error("nothing folded: the budget was not reached")
			}

			// No call is lost: a call is counted under its syscall, or, if
			// its label set could not get a series for it, as "other".
			missing := 0.0
			for _, c := range []struct {
				syscall string
				want    int
			}{{"getppid", threads * getppids}, {"exit", threads}, {"prctl", threads}} {
				got := one(`sum(syscall_calls_total{job="` + promJob + `", syscall="` + c.syscall + `"})`)
				if got > float64(c.want) {
					t.Errorf("%s: %v calls over all series, want %d", c.syscall, got, c.want)
				}
				missing += float64(c.want) - got
			}
			if other := one(`sum(syscall_calls_total{job="` + promJob + `", syscall="other"}) or vector(0)`); missing > other {
				t.Errorf("%v calls missing from their syscall's series, and only %v counted as syscall=\"other\": folding lost some", missing, other)
			}
			// Prometheus reads quantiles from whichever histogram it stores
			// (the workload is over: no rate, so of the totals).
			if q := one(`histogram_quantile(0.99, sum(syscall_duration_seconds_bucket` + job + `) by (le)) or histogram_quantile(0.99, sum(syscall_duration_seconds` + job + `))`); q <= 0 || q > 10 {
				t.Errorf("p99 over every series: %v s", q)
			}
			p.stdin.Close()
			if st := p.wait(t, 10*time.Second); !st.Exited() || st.ExitStatus() != 0 {
				t.Errorf("target status %v", st)
			}
		})
	}
}
