// Command bench measures what tracing costs. Every workload runs untraced,
// under strace -f -c, under the C floor tracer (the least a ptrace tracer
// can do per stop) and under syscall_exporter in launch mode, interleaved
// round by round in one invocation; it prints medians and their ratios.
//
//	go run ./bench [-rounds 5] [-pin both|on|off] [-workloads dd,non-target,threads,forkexec,http] [-exporter-flags FLAGS]
//	               [-filter openat] [-budget 5] [-recorder 16] [-ebpf=true]
//
// Besides full tracing, and full tracing with --flight-recorder=-recorder,
// it runs the cheaper ways, in the same rounds: strace --seccomp-bpf and
// the exporter with --syscalls selecting -filter, and the exporter with
// --max-overhead=-budget. With -ebpf (the default) the exporter also runs
// with --backend=ebpf, and the non-target workload measures what its
// programs cost a process it does not trace.
//
// It needs root (ptrace), gcc, strace and taskset, and builds everything
// it runs into a temporary directory.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

func main() {
	rounds := flag.Int("rounds", 5, "rounds; each runs every workload under every tracer once")
	pin := flag.String("pin", "both", "CPU placement: on (taskset -c 0: tracer and tracees share one CPU), off (the scheduler decides), or both")
	only := flag.String("workloads", strings.Join(workloadNames(), ","), "comma-separated workloads to run")
	floorSrc := flag.String("floor-src", defaultFloorSource(), "C source of the floor tracer (env PTRACE_FLOOR_SRC); skipped if absent")
	exporterFlags := flag.String("exporter-flags", "", "extra flags for syscall_exporter, space-separated (e.g. \"--thread-label=none\")")
	filter := flag.String("filter", "openat", "syscalls the filtered runs select (strace -e trace=, exporter --syscalls=); empty: no filtered runs")
	budget := flag.Float64("budget", 5, "the budgeted run's --max-overhead in percent; 0: no budgeted run")
	withEBPF := flag.Bool("ebpf", true, "also run the exporter with --backend=ebpf, and the non-target workload (needs a kernel with BTF)")
	recorder := flag.Int("recorder", 16, "the exporter's run with --flight-recorder=N calls per thread; 0: no such run")
	flag.Parse()

	placements, err := parsePin(*pin)
	if err == nil && *rounds < 1 {
		err = fmt.Errorf("-rounds must be at least 1")
	}
	if err == nil && (*budget < 0 || *budget >= 100) {
		err = fmt.Errorf("-budget %g: want a percentage from 0 (no budgeted run) to below 100", *budget)
	}
	var selected []*workload
	if err == nil {
		selected, err = selectWorkloads(*only)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if !*withEBPF {
		selected = slices.DeleteFunc(selected, func(w *workload) bool { return w.nonTarget })
	}
	if err := run(*rounds, placements, selected, *floorSrc, strings.Fields(*exporterFlags), cheaper{filter: *filter, budget: *budget, recorder: *recorder, ebpf: *withEBPF}); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parsePin(s string) ([]placement, error) {
	switch s {
	case "on":
		return []placement{pinned}, nil
	case "off":
		return []placement{unpinned}, nil
	case "both":
		return []placement{pinned, unpinned}, nil
	}
	return nil, fmt.Errorf("-pin %q: want on, off or both", s)
}

func run(rounds int, placements []placement, workloads []*workload, floorSrc string, exporterFlags []string, c cheaper) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root: the exporter, strace and the floor tracer use ptrace")
	}
	dir, err := os.MkdirTemp("", "syscall_exporter-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bins, notes, err := build(dir, floorSrc)
	if err != nil {
		return err
	}
	tracers := availableTracers(bins, exporterFlags, c)
	if len(exporterFlags) > 0 {
		notes = append(notes, "exporter flags: "+strings.Join(exporterFlags, " "))
	}
	res := newResults()
	started := time.Now()
	load := loadAverage()
	for r := range rounds {
		// Rotate the order every round, so that no tracer always runs
		// right after the same neighbour or in the same state of the machine.
		for pi := range placements {
			p := placements[(pi+r)%len(placements)]
			for _, w := range workloads {
				for ti := range tracers {
					tr := tracers[(ti+r)%len(tracers)]
					if w.nonTarget && tr.name != untracedName {
						continue // the point is that nothing traces it
					}
					m, err := measure(bins, w, tr, p)
					if err != nil {
						return fmt.Errorf("round %d, %s, %s, %s: %w", r+1, p, w.name, tr.name, err)
					}
					res.add(p, w.name, tr.name, m)
					fmt.Fprintf(os.Stderr, "round %d/%d  %-8s  %-8s  %-15s %7.3f s\n", r+1, rounds, p, w.name, tr.name, m.wall.Seconds())
				}
			}
		}
	}
	report(os.Stdout, reportInput{
		rounds:     rounds,
		placements: placements,
		workloads:  workloads,
		tracers:    tracers,
		results:    res,
		notes:      notes,
		elapsed:    time.Since(started),
		loadBefore: load,
		loadAfter:  loadAverage(),
		cpus:       runtime.NumCPU(),
		cheaper:    c,
	})
	return nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
