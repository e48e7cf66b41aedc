// Package summary makes strace -c style tables, text or JSON, from a
// collector snapshot: the --summary output and the landing page's table.
package summary

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/syscall-exporter/syscall_exporter/collector"
)

// By chooses how a summary groups its rows.
type By string

const (
	// BySyscall is strace -c -f's table: every traced thread of
	// every process in one table.
	BySyscall By = "syscall"
	// ByThread gives one table per label set: per process and
	// thread name (or TID, or pid, as --label.* chose).
	ByThread By = "thread"
)

// Schema is the JSON Schema that WriteJSON's output follows.
//
//go:embed summary.schema.json
var Schema []byte

// Summary is a strace -c style view of a Snapshot. The landing page and
// the command line both render it, so they never disagree.
type Summary struct {
	By         By
	LabelNames []string
	Groups     []Group // by total time, longest first
}

// Group is one table: every syscall of one label set, or of all.
type Group struct {
	Labels []string // values for LabelNames; nil when By is BySyscall
	Rows   []Row    // by time, longest first
	Total  Row      // Syscall is "total"
}

// Row is one line of a table.
type Row struct {
	Syscall string
	// Nanos is entry-to-exit time summed over the calls that returned
	// (strace -c -w's "seconds").
	Nanos   uint64
	Percent float64 // of the group's Nanos
	Calls   uint64
	Errors  uint64
	Errnos  []collector.ErrnoCount // sorted by errno
	// P99 is the 99th percentile latency in seconds, NaN if no call
	// returned.
	P99 float64
}

// Seconds is Nanos in seconds.
func (r *Row) Seconds() float64 { return float64(r.Nanos) / 1e9 }

// MicrosPerCall is the mean time per call in whole µs, truncated, over
// every call as strace -c divides it.
func (r *Row) MicrosPerCall() uint64 {
	if r.Calls == 0 {
		return 0
	}
	return r.Nanos / r.Calls / 1000
}

// Of groups series into tables. labelNames names Series.Labels.
func Of(series []collector.Series, labelNames []string, by By) Summary {
	type acc struct {
		labels []string
		rows   map[string]*rowAcc
	}
	groups := map[string]*acc{}
	var order []string
	for i := range series {
		s := &series[i]
		key := ""
		var labels []string
		if by == ByThread {
			key = strings.Join(s.Labels, "\x00")
			labels = s.Labels
		}
		g := groups[key]
		if g == nil {
			g = &acc{labels: labels, rows: map[string]*rowAcc{}}
			groups[key] = g
			order = append(order, key)
		}
		r := g.rows[s.Syscall]
		if r == nil {
			r = &rowAcc{row: Row{Syscall: s.Syscall}}
			g.rows[s.Syscall] = r
		}
		r.add(s)
	}

	out := Summary{By: by, LabelNames: labelNames}
	for _, key := range order {
		g := groups[key]
		group := Group{Labels: g.labels}
		total := rowAcc{row: Row{Syscall: "total"}}
		for _, r := range g.rows {
			total.merge(r)
		}
		for _, r := range g.rows {
			group.Rows = append(group.Rows, r.finish(total.row.Nanos))
		}
		sortRows(group.Rows)
		group.Total = total.finish(total.row.Nanos)
		out.Groups = append(out.Groups, group)
	}
	sort.SliceStable(out.Groups, func(i, j int) bool {
		a, b := &out.Groups[i], &out.Groups[j]
		if a.Total.Nanos != b.Total.Nanos {
			return a.Total.Nanos > b.Total.Nanos
		}
		return strings.Join(a.Labels, "\x00") < strings.Join(b.Labels, "\x00")
	})
	return out
}

// sortRows orders rows as strace -c does, by time; ties, which strace
// leaves to qsort, go by calls and then by name so output is stable.
func sortRows(rows []Row) {
	sort.Slice(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if a.Nanos != b.Nanos {
			return a.Nanos > b.Nanos
		}
		if a.Calls != b.Calls {
			return a.Calls > b.Calls
		}
		return a.Syscall < b.Syscall
	})
}

type rowAcc struct {
	row      Row
	duration collector.HistogramSnapshot
}

func (r *rowAcc) add(s *collector.Series) {
	r.row.Calls += s.Calls
	r.row.Nanos += s.Duration.SumNs
	for _, e := range s.Errors {
		r.addErrno(e)
	}
	r.duration.Add(&s.Duration)
}

func (r *rowAcc) merge(o *rowAcc) {
	r.row.Calls += o.row.Calls
	r.row.Nanos += o.row.Nanos
	for _, e := range o.row.Errnos {
		r.addErrno(e)
	}
	r.duration.Add(&o.duration)
}

func (r *rowAcc) addErrno(e collector.ErrnoCount) {
	r.row.Errors += e.Count
	errs := r.row.Errnos
	i := sort.Search(len(errs), func(i int) bool { return errs[i].Errno >= e.Errno })
	if i < len(errs) && errs[i].Errno == e.Errno {
		errs[i].Count += e.Count
		return
	}
	errs = append(errs, collector.ErrnoCount{})
	copy(errs[i+1:], errs[i:])
	errs[i] = e
	r.row.Errnos = errs
}

func (r *rowAcc) finish(groupNanos uint64) Row {
	row := r.row
	if row.Nanos != 0 {
		row.Percent = 100 * float64(row.Nanos) / float64(groupNanos)
	}
	row.P99 = r.duration.Quantile(0.99)
	return row
}

// WriteText writes the tables in strace -c's layout: the same columns,
// widths and rules, so tools and eyes used to strace read it as is. By
// thread, each table is headed by its label set.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	if len(s.Groups) == 0 {
		// strace -c prints an empty table when nothing was called.
		s.writeTable(&b, &Group{Total: Row{Syscall: "total"}})
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		if s.By == ByThread {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(s.heading(g))
			b.WriteByte('\n')
		}
		s.writeTable(&b, g)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// heading names a group's label set as Prometheus would select it.
func (s *Summary) heading(g *Group) string {
	parts := make([]string, len(g.Labels))
	for i, v := range g.Labels {
		parts[i] = s.LabelNames[i] + "=" + strconv.Quote(v)
	}
	return strings.Join(parts, " ")
}

// writeTable follows strace's count.c: every column is at least as wide
// as its historical width and as its widest value; the syscall column is
// left-aligned and unpadded at the end of a line; an errors count of zero
// is left blank.
func (s *Summary) writeTable(b *strings.Builder, g *Group) {
	var maxMicros uint64
	nameWidth := 0
	for i := range g.Rows {
		maxMicros = max(maxMicros, g.Rows[i].MicrosPerCall())
		nameWidth = max(nameWidth, len(g.Rows[i].Syscall))
	}
	wPct := 6
	wSec := max(11, len(fmt.Sprintf("%.6f", g.Total.Seconds())))
	wUsec := max(11, len(strconv.FormatUint(maxMicros, 10)))
	wCalls := max(9, len(strconv.FormatUint(g.Total.Calls, 10)))
	wErrs := max(9, len(strconv.FormatUint(g.Total.Errors, 10)))
	wName := max(16, nameWidth+1)

	fmt.Fprintf(b, "%*s %*s %*s %*s %*s %s\n", wPct, "% time", wSec, "seconds", wUsec, "usecs/call", wCalls, "calls", wErrs, "errors", "syscall")
	rule := strings.Join([]string{
		strings.Repeat("-", wPct), strings.Repeat("-", wSec), strings.Repeat("-", wUsec),
		strings.Repeat("-", wCalls), strings.Repeat("-", wErrs), strings.Repeat("-", wName),
	}, " ") + "\n"
	b.WriteString(rule)
	line := func(r *Row, pct float64) {
		errs := ""
		if r.Errors != 0 {
			errs = strconv.FormatUint(r.Errors, 10)
		}
		fmt.Fprintf(b, "%*.2f %*.6f %*d %*d %*s %s\n", wPct, pct, wSec, r.Seconds(), wUsec, r.MicrosPerCall(), wCalls, r.Calls, wErrs, errs, r.Syscall)
	}
	for i := range g.Rows {
		line(&g.Rows[i], g.Rows[i].Percent)
	}
	b.WriteString(rule)
	line(&g.Total, 100)
}

// The JSON form; summary.schema.json describes it and README documents it.
type (
	jsonSummary struct {
		By         By          `json:"by"`
		LabelNames []string    `json:"label_names"`
		Groups     []jsonGroup `json:"groups"`
	}
	jsonGroup struct {
		Labels   map[string]string `json:"labels"`
		Syscalls []jsonRow         `json:"syscalls"`
		Total    jsonRow           `json:"total"`
	}
	jsonRow struct {
		Syscall      string            `json:"syscall,omitempty"`
		TimePercent  float64           `json:"time_percent"`
		Seconds      float64           `json:"seconds"`
		UsecsPerCall uint64            `json:"usecs_per_call"`
		Calls        uint64            `json:"calls"`
		Errors       uint64            `json:"errors"`
		Errnos       map[string]uint64 `json:"errnos"`
		P99Seconds   *float64          `json:"p99_seconds"`
	}
)

// WriteJSON writes the summary as one JSON document (see Schema).
func (s *Summary) WriteJSON(w io.Writer) error {
	out := jsonSummary{By: s.By, LabelNames: s.LabelNames, Groups: []jsonGroup{}}
	if out.LabelNames == nil {
		out.LabelNames = []string{}
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		jg := jsonGroup{Labels: map[string]string{}, Syscalls: []jsonRow{}}
		for j, v := range g.Labels {
			jg.Labels[s.LabelNames[j]] = v
		}
		for j := range g.Rows {
			jg.Syscalls = append(jg.Syscalls, toJSONRow(&g.Rows[j], g.Rows[j].Percent))
		}
		jg.Total = toJSONRow(&g.Total, 100)
		jg.Total.Syscall = ""
		out.Groups = append(out.Groups, jg)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func toJSONRow(r *Row, pct float64) jsonRow {
	j := jsonRow{
		Syscall:      r.Syscall,
		TimePercent:  pct,
		Seconds:      r.Seconds(),
		UsecsPerCall: r.MicrosPerCall(),
		Calls:        r.Calls,
		Errors:       r.Errors,
		Errnos:       map[string]uint64{},
	}
	for _, e := range r.Errnos {
		j.Errnos[e.Name] += e.Count
	}
	if !math.IsNaN(r.P99) {
		p := r.P99
		j.P99Seconds = &p
	}
	return j
}
