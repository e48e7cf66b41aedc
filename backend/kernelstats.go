package backend

// KernelStats is what a backend's programs in the kernel (ebpf) report of
// themselves, for the self metrics.
type KernelStats struct {
	Lost     map[string]uint64 // what they could not record, by reason
	Programs []ProgramStats
	Maps     []MapStats
}

// ProgramStats is one program's run time and count; Known is false when
// the kernel does not keep them (kernel.bpf_stats_enabled off).
type ProgramStats struct {
	Name    string
	Seconds float64
	Runs    uint64
	Known   bool
}

// MapStats is one map's entries used against its capacity.
type MapStats struct {
	Name              string
	Entries, Capacity int
}
