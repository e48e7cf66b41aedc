package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

type resultKey struct {
	p              placement
	workload, name string
}

type results struct {
	wall     map[resultKey][]float64 // seconds, one per round
	syscalls map[resultKey][]float64
	own      map[resultKey][]float64 // the command's own time, where it says
}

func newResults() *results {
	return &results{wall: map[resultKey][]float64{}, syscalls: map[resultKey][]float64{}, own: map[resultKey][]float64{}}
}

func (r *results) add(p placement, workload, tracer string, m measurement) {
	k := resultKey{p, workload, tracer}
	r.wall[k] = append(r.wall[k], m.wall.Seconds())
	if m.syscalls > 0 {
		r.syscalls[k] = append(r.syscalls[k], float64(m.syscalls))
	}
	if m.own > 0 {
		r.own[k] = append(r.own[k], m.own.Seconds())
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// spread is half the range, relative to the median: the noise of a column.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	return (slices.Max(xs) - slices.Min(xs)) / 2 / median(xs)
}

type reportInput struct {
	rounds                int
	placements            []placement
	workloads             []*workload
	tracers               []tracer
	results               *results
	notes                 []string
	elapsed               time.Duration
	loadBefore, loadAfter string
	cpus                  int
	cheaper               cheaper
}

var tracerTitles = map[string]string{
	untracedName: "untraced",
	straceName:   "strace -f -c",
	floorName:    "C floor",
	exporterName: "exporter",
	ebpfName:     "exporter --backend=ebpf",
	// exporterRecorderName's title names the ring's size (report).
	exporterRecorderName: "exporter --flight-recorder",
	// The cheaper ways.
	straceFilterName:   "strace --seccomp-bpf",
	exporterFilterName: "exporter --syscalls",
	exporterBudgetName: "exporter --max-overhead",
}

var placementTitles = map[placement]string{
	pinned:   "pinned: `taskset -c 0`, tracer and tracees share CPU 0 (the HTTP client runs on CPU 1)",
	unpinned: "unpinned: the scheduler places tracer and tracees",
}

func report(w io.Writer, in reportInput) {
	fmt.Fprintf(w, "## syscall_exporter benchmark\n\n")
	fmt.Fprintf(w, "%d rounds, interleaved; wall time from fork to exit, median (± half the range); ratios of the medians, and in parentheses of the fastest runs.\n", in.rounds)
	fmt.Fprintf(w, "Machine: %d CPUs, %s %s, %s; load average %s before, %s after; took %s.\n",
		in.cpus, runtime.GOOS, kernelRelease(), runtime.Version(), in.loadBefore, in.loadAfter, in.elapsed.Round(time.Second))
	for _, n := range in.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | stresses | command |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, wl := range in.workloads {
		fmt.Fprintf(w, "| %s | %s | `%s` |\n", wl.name, wl.stresses, strings.ReplaceAll(wl.command, "|", `\|`))
	}
	has := func(name string) bool {
		return slices.ContainsFunc(in.tracers, func(t tracer) bool { return t.name == name })
	}
	full := slices.DeleteFunc(slices.Clone(in.tracers), func(t tracer) bool { return t.cheaper })
	for _, p := range in.placements {
		fmt.Fprintf(w, "\n### %s\n\n", placementTitles[p])
		head := []string{"workload", "syscalls"}
		for _, t := range full {
			head = append(head, tracerTitles[t.name]+" s")
		}
		head = append(head, "exporter ÷ untraced")
		if has(floorName) {
			head = append(head, "exporter ÷ floor")
		}
		if has(straceName) {
			head = append(head, "exporter ÷ strace")
		}
		if has(ebpfName) {
			head = append(head, "ebpf ÷ untraced", "per-syscall cost: ptrace ÷ ebpf")
		}
		head = append(head, "µs per syscall: "+strings.Join(tracedTitles(full), " / "))
		row(w, head...)
		row(w, slices.Repeat([]string{"---"}, len(head))...)
		for _, wl := range in.workloads {
			if wl.nonTarget {
				continue
			}
			get := func(name string) []float64 { return in.results.wall[resultKey{p, wl.name, name}] }
			calls := median(in.results.syscalls[resultKey{p, wl.name, floorName}])
			cells := []string{wl.name, count(calls)}
			for _, t := range full {
				xs := get(t.name)
				cells = append(cells, seconds(xs))
			}
			exp := get(exporterName)
			cells = append(cells, ratios(exp, get(untracedName)))
			if has(floorName) {
				cells = append(cells, ratios(exp, get(floorName)))
			}
			if has(straceName) {
				cells = append(cells, ratios(exp, get(straceName)))
			}
			if has(ebpfName) {
				un := median(get(untracedName))
				cells = append(cells, ratios(get(ebpfName), get(untracedName)), ratio(median(exp)-un, median(get(ebpfName))-un))
			}
			var per []string
			for _, t := range full {
				if t.name != untracedName {
					per = append(per, perCall(median(get(t.name))-median(get(untracedName)), calls))
				}
			}
			cells = append(cells, strings.Join(per, " / "))
			row(w, cells...)
		}
	}
	if len(in.placements) == 2 {
		fmt.Fprintf(w, "\n### placement: unpinned ÷ pinned (above 1: pinning helps)\n\n")
		var head []string
		head = append(head, "workload")
		for _, t := range in.tracers {
			head = append(head, tracerTitles[t.name])
		}
		row(w, head...)
		row(w, slices.Repeat([]string{"---"}, len(head))...)
		for _, wl := range in.workloads {
			cells := []string{wl.name}
			for _, t := range in.tracers {
				un := median(in.results.wall[resultKey{unpinned, wl.name, t.name}])
				pi := median(in.results.wall[resultKey{pinned, wl.name, t.name}])
				cells = append(cells, ratio(un, pi))
			}
			row(w, cells...)
		}
	}
	fmt.Fprintln(w, "\nsyscalls: as counted by the C floor tracer (entries). µs per syscall: (median − untraced median) ÷ syscalls.")
	reportOwn(w, in)
	reportNonTarget(w, in)
	reportCheaper(w, in)
}

// reportCheaper compares the ways of paying less with the untraced run:
// a syscall filter (wall time ÷ untraced) and an overhead budget
// (throughput: untraced ÷ wall time).
func reportCheaper(w io.Writer, in reportInput) {
	var cheap []tracer
	for _, t := range in.tracers {
		if t.cheaper {
			cheap = append(cheap, t)
		}
	}
	if len(cheap) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Paying less: ")
	var what []string
	if in.cheaper.filter != "" {
		what = append(what, fmt.Sprintf("only `%s` traced (strace `--seccomp-bpf -e trace=%s`, exporter `--syscalls=%s`)", in.cheaper.filter, in.cheaper.filter, in.cheaper.filter))
	}
	if in.cheaper.budget > 0 {
		what = append(what, fmt.Sprintf("exporter `--max-overhead=%g`", in.cheaper.budget))
	}
	fmt.Fprintf(w, "%s\n", strings.Join(what, "; "))
	for _, p := range in.placements {
		fmt.Fprintf(w, "\n%s\n\n", placementTitles[p])
		head := []string{"workload", "untraced s"}
		for _, t := range cheap {
			head = append(head, tracerTitles[t.name]+" s")
		}
		for _, t := range cheap {
			if t.name == exporterBudgetName {
				head = append(head, "budgeted throughput ÷ untraced")
			} else {
				head = append(head, tracerTitles[t.name]+" ÷ untraced")
			}
		}
		row(w, head...)
		row(w, slices.Repeat([]string{"---"}, len(head))...)
		for _, wl := range in.workloads {
			get := func(name string) []float64 { return in.results.wall[resultKey{p, wl.name, name}] }
			un := get(untracedName)
			cells := []string{wl.name, seconds(un)}
			for _, t := range cheap {
				cells = append(cells, seconds(get(t.name)))
			}
			own := func(name string) []float64 { return in.results.own[resultKey{p, wl.name, name}] }
			for _, t := range cheap {
				num, den := get(t.name), un
				ownNum, ownDen := own(t.name), own(untracedName)
				if t.name == exporterBudgetName { // throughput: the inverse
					num, den, ownNum, ownDen = den, num, ownDen, ownNum
				}
				cell := ratios(num, den)
				if len(own(t.name)) > 0 {
					cell += "; own " + ratios(ownNum, ownDen)
				}
				cells = append(cells, cell)
			}
			row(w, cells...)
		}
	}
	fmt.Fprintln(w, "\nown: the same ratio of the time the command reports for its own work (dd: \"copied, … s\", threads: \"done, … s\"), which leaves out the tracer's start-up and exit.")
}

// seconds is a column's median and its noise.
func seconds(xs []float64) string {
	return fmt.Sprintf("%.3f (±%.0f%%)", median(xs), 100*spread(xs))
}

func tracedTitles(ts []tracer) []string {
	var out []string
	for _, t := range ts {
		if t.name != untracedName {
			out = append(out, tracerTitles[t.name])
		}
	}
	return out
}

func row(w io.Writer, cells ...string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

// ratios is the ratio of the medians and, in parentheses, of the fastest
// runs: other load on the machine only ever slows a run down, so the
// fastest runs show the tracers' own costs when the medians are noisy.
func ratios(a, b []float64) string {
	if len(a) == 0 || len(b) == 0 {
		return "—"
	}
	return ratio(median(a), median(b)) + " (" + ratio(slices.Min(a), slices.Min(b)) + ")"
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func count(n float64) string {
	if math.IsNaN(n) {
		return "—"
	}
	return fmt.Sprintf("%.0f", n)
}

func perCall(seconds, calls float64) string {
	if math.IsNaN(seconds) || math.IsNaN(calls) || calls == 0 {
		return "—"
	}
	if seconds < 0 {
		return "<0" // the untraced runs were slowed by something else
	}
	return fmt.Sprintf("%.2f", seconds/calls*1e6)
}

func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// reportNonTarget compares dd untraced beside an eBPF exporter tracing
// something else with dd untraced alone: what every process on the host
// pays for one loaded exporter.
func reportNonTarget(w io.Writer, in reportInput) {
	if !slices.ContainsFunc(in.workloads, func(wl *workload) bool { return wl.nonTarget }) {
		return
	}
	fmt.Fprintf(w, "\n### non-target: dd untraced, beside an exporter with --backend=ebpf tracing an idle process\n\n")
	row(w, "placement", "dd alone s", "dd beside it s", "beside ÷ alone", "own time: beside ÷ alone", "µs per syscall (own time)")
	row(w, "---", "---", "---", "---", "---", "---")
	for _, p := range in.placements {
		alone := in.results.wall[resultKey{p, "dd", untracedName}]
		beside := in.results.wall[resultKey{p, "non-target", untracedName}]
		ownAlone := in.results.own[resultKey{p, "dd", untracedName}]
		ownBeside := in.results.own[resultKey{p, "non-target", untracedName}]
		calls := median(in.results.syscalls[resultKey{p, "dd", floorName}])
		row(w, string(p), seconds(alone), seconds(beside), ratios(beside, alone), ratios(ownBeside, ownAlone), perCall(median(ownBeside)-median(ownAlone), calls))
	}
	if !slices.ContainsFunc(in.workloads, func(wl *workload) bool { return wl.name == "dd" }) {
		fmt.Fprintln(w, "\n(add the dd workload for the ratio)")
	}
}

// reportOwn compares, for workloads that time their own work (dd, threads), that
// time alone: without the tracer's start-up and exit, which for the eBPF
// backend (loading and verifying its programs) is most of a short run.
func reportOwn(w io.Writer, in reportInput) {
	has := slices.ContainsFunc(in.tracers, func(t tracer) bool { return t.name == ebpfName })
	if !has {
		return
	}
	fmt.Fprintf(w, "\n### the command's own time (dd: \"copied, … s\", threads: \"done, … s\"), without start-up and exit\n\n")
	row(w, "placement", "workload", "untraced s", "exporter s", "exporter --backend=ebpf s", "exporter ÷ untraced", "ebpf ÷ untraced", "µs per syscall: exporter / ebpf", "per-syscall cost: ptrace ÷ ebpf")
	row(w, slices.Repeat([]string{"---"}, 9)...)
	for _, p := range in.placements {
		for _, wl := range in.workloads {
			own := func(name string) []float64 { return in.results.own[resultKey{p, wl.name, name}] }
			un, exp, eb := own(untracedName), own(exporterName), own(ebpfName)
			if wl.nonTarget || len(un) == 0 || len(exp) == 0 || len(eb) == 0 {
				continue
			}
			calls := median(in.results.syscalls[resultKey{p, wl.name, floorName}])
			pe, pb := median(exp)-median(un), median(eb)-median(un)
			row(w, string(p), wl.name, seconds(un), seconds(exp), seconds(eb), ratios(exp, un), ratios(eb, un),
				perCall(pe, calls)+" / "+perCall(pb, calls), ratio(pe, pb))
		}
	}
}
