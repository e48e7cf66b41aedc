package main

import (
	"errors"
	"fmt"
	"log/slog"
)

// hardeningFlags bound what the targets can make the exporter hold, and
// what it keeps of its privileges once attached.
type hardeningFlags struct {
	MaxSeries int    `name:"metrics.max-series" default:"5000" help:"Most series of syscall_* metrics a scrape exposes, counted as Prometheus counts them: each bucket, _sum, _count and counter, and one per native histogram. Past it, new thread names fold into thread=\"other\", new syscalls into syscall=\"other\" and new errnos into errno=\"other\", counted by syscall_exporter_series_dropped_total (0: no limit)."`
	KeepCaps  string `name:"capabilities.keep" default:"cap_sys_ptrace,cap_dac_read_search" placeholder:"CAPS" help:"Capabilities to keep once the targets are attached, comma-separated; every other one is dropped from every thread ('all': drop none, 'none': drop all). cap_sys_ptrace attaches to processes found later; cap_dac_read_search reads /proc/PID/fd of other users' processes. With --backend=ebpf the default is cap_bpf,cap_dac_read_search."`

	keep keepSet // --capabilities.keep, parsed
}

// The capabilities kept by default: ptrace's, and the eBPF backend's,
// which reads its maps (CAP_BPF) and attaches to processes found later
// without CAP_SYS_PTRACE.
const (
	defaultKeepCaps = "cap_sys_ptrace,cap_dac_read_search"
	ebpfKeepCaps    = "cap_bpf,cap_dac_read_search"
)

// dropPrivileges keeps only the capabilities asked for. Failing to drop
// is worth a warning, not an exit: the exporter works as before. A cgo
// build (a developer's, the race detector's) says so at info level.
func dropPrivileges(keep keepSet, logger *slog.Logger) {
	if err := dropCapabilities(keep); err != nil {
		log := logger.Warn
		if errors.Is(err, errCgoBuild) {
			log = logger.Info
		}
		log("capabilities not dropped", "keep", keep.String(), "err", err)
		return
	}
	logger.Debug("capabilities dropped", "kept", keep.String())
}

// Validate runs when kong has parsed the flags.
func (h *hardeningFlags) Validate() error {
	if h.MaxSeries < 0 {
		return fmt.Errorf("--metrics.max-series must be 0 (no limit) or more series")
	}
	keep, err := parseKeep(h.KeepCaps)
	h.keep = keep
	return err
}
