package ebpf

import (
	"io"
	"sync/atomic"

	cebpf "github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// lostReasons name the programs' LOST_* counters (tracer.bpf.c), in
// index order.
var lostReasons = [...]string{
	"calls_map_full", "errors_map_full", "latency_map_full",
	"events_ring_full", "failures_ring_full", "exit_without_entry", "task_storage_full",
}

// mapUse is how many entries each count map held at the last read.
type mapUse struct {
	calls, errors, latency atomic.Int64
}

// enableStats asks the kernel to time the programs (BPF_ENABLE_STATS,
// CAP_SYS_ADMIN) for as long as the returned closer is open.
func (t *Tracer) enableStats() io.Closer {
	c, err := cebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		t.log.Warn("cannot enable BPF run-time stats (needs CAP_SYS_ADMIN); set kernel.bpf_stats_enabled=1 instead", "err", err)
		return nil
	}
	return c
}

// BackendName says which backend this is, for syscall_exporter_backend_info.
func (t *Tracer) BackendName() string { return "ebpf" }

// KernelStats reads what the programs report of themselves.
func (t *Tracer) KernelStats() backend.KernelStats {
	var ks backend.KernelStats
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.objs
	if o == nil || t.closed {
		return ks
	}
	ks.Lost = make(map[string]uint64, len(lostReasons))
	for i, reason := range lostReasons {
		ks.Lost[reason] = t.lostCount(i)
	}
	for name, p := range map[string]*cebpf.Program{
		"sys_enter": o.SysEnter, "sys_exit": o.SysExit, "sched_process_fork": o.SchedProcessFork,
		"task_rename": o.TaskRename, "sched_process_exec": o.SchedProcessExec, "sched_process_exit": o.SchedProcessExit,
	} {
		ps := backend.ProgramStats{Name: name}
		if st, err := p.Stats(); err == nil {
			ps.Seconds, ps.Runs, ps.Known = st.Runtime.Seconds(), st.RunCount, st.RunCount > 0 || st.Runtime > 0
		}
		ks.Programs = append(ks.Programs, ps)
	}
	ks.Maps = []backend.MapStats{
		{Name: "calls", Entries: int(t.use.calls.Load()), Capacity: int(o.Calls.MaxEntries())},
		{Name: "errors", Entries: int(t.use.errors.Load()), Capacity: int(o.Errors.MaxEntries())},
		{Name: "latency", Entries: int(t.use.latency.Load()), Capacity: int(o.Latency.MaxEntries())},
	}
	return ks
}

// lostCount sums the programs' per-CPU counter of what they lost for one
// reason.
func (t *Tracer) lostCount(reason int) uint64 {
	var perCPU []uint64
	var n uint64
	if err := t.objs.Lost.Lookup(uint32(reason), &perCPU); err == nil {
		for _, v := range perCPU {
			n += v
		}
	}
	return n
}

// interruptedOverflow is the programs' counter beside the LOST_* ones
// (INTERRUPTED_OVERFLOW): calls a signal interrupted that were counted as
// not failed because their thread held as many as it can.
const interruptedOverflow = len(lostReasons)

// readOverflow copies that counter into the backend's stats.
func (t *Tracer) readOverflow() {
	t.stats.InterruptedOverflow.Store(t.lostCount(interruptedOverflow))
}

// lostExitWithoutEntry is the one reason of loss that is no fault: a
// thread attached inside a call.
const lostExitWithoutEntry = 5

// warnFull says once, for each reason, that counts are being lost because
// a map or ring buffer is full.
func (t *Tracer) warnFull() {
	for r := range lostReasons {
		if r == lostExitWithoutEntry || t.warned[r] || t.lostCount(r) == 0 {
			continue
		}
		t.warned[r] = true
		t.log.Warn("the eBPF programs lose counts: more threads or syscalls than their maps hold; raise --metrics.max-series (syscall_exporter_bpf_lost_total counts them)", "reason", lostReasons[r])
	}
}
