package ebpf

import (
	"errors"
	"fmt"
	"os"

	cebpf "github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

const btfPath = "/sys/kernel/btf/vmlinux"

// Map sizes. Every count map holds one entry per (label id, syscall) a
// target used, and a thread uses a few dozen syscalls: sized from the
// series cap, with room for the label ids of renamed and exited threads
// until their last read.
const (
	entriesPerSeries = 4 // a series' errnos and latency buckets
	maxEntries       = 1 << 20
)

// minMapEntries is the count maps' least size (a variable for the test
// that fills them).
var minMapEntries uint32 = 4096

// objects are the loaded programs and maps, and the links that attach
// them: closing it leaves nothing of ours in the kernel.
type objects struct {
	tracerObjects
	links []link.Link
}

// Close detaches and unloads everything.
func (o *objects) Close() error {
	for _, l := range o.links {
		l.Close()
	}
	return o.tracerObjects.Close()
}

// loadError is one line that says what is missing, for cmd to print.
type loadError struct{ msg string }

func (e *loadError) Error() string {
	return "eBPF backend: " + e.msg + "; use --backend=ptrace"
}

// probe checks what the backend needs before loading anything.
func probe() error {
	if _, err := os.Stat(btfPath); err != nil {
		return &loadError{"kernel has no BTF (" + btfPath + " missing)"}
	}
	return nil
}

// loadSpec sets the programs' constants: --syscalls, the numbers of the
// calls counting depends on, the latency bounds, the PID namespace.
func (t *Tracer) loadSpec() (*cebpf.CollectionSpec, error) {
	spec, err := loadTracer()
	if err != nil {
		return nil, err
	}
	var execve, execveat, exit, exitGroup, rtSigreturn, sigreturn [4]uint32
	for i := range execve {
		execve[i], execveat[i], exit[i], exitGroup[i], rtSigreturn[i], sigreturn[i] = ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)
	}
	for i, arch := range syscalls.Arches {
		execve[i] = lookupNr(arch, "execve")
		execveat[i] = lookupNr(arch, "execveat")
		exit[i] = lookupNr(arch, "exit")
		exitGroup[i] = lookupNr(arch, "exit_group")
		rtSigreturn[i] = lookupNr(arch, "rt_sigreturn")
		sigreturn[i] = lookupNr(arch, "sigreturn")
	}
	ino, err := pidNamespace()
	if err != nil {
		return nil, err
	}
	set := map[string]any{
		"nr_execve":       execve,
		"nr_execveat":     execveat,
		"nr_exit":         exit,
		"nr_exit_group":   exitGroup,
		"nr_rt_sigreturn": rtSigreturn,
		"nr_sigreturn":    sigreturn,
		"classic_bounds":  classicBounds(),
		"native_bounds":   nativeBounds(),
		"pidns_inum":      ino,
	}
	if f := t.cfg.Filter; f != nil {
		var bits [4][selectWords]uint64
		var beyond [4]bool
		for i := range bits {
			arch := syscalls.Arch(0)
			if i < len(syscalls.Arches) {
				arch = syscalls.Arches[i]
			}
			b := f.Bitmap(arch)
			for nr := uint32(0); nr < selectNrs; nr++ {
				if b.Has(nr) {
					bits[i][nr/64] |= 1 << (nr % 64)
				}
			}
			beyond[i] = b.Has(selectNrs)
		}
		set["filtering"] = true
		set["selected"] = bits
		set["selected_beyond"] = beyond
	}
	for name, v := range spanVariables(t.cfg.Spans) {
		set[name] = v
	}
	for name, v := range set {
		if err := spec.Variables[name].Set(v); err != nil {
			return nil, fmt.Errorf("set %s: %w", name, err)
		}
	}
	n := uint32(t.cfg.MaxSeries * entriesPerSeries)
	n = max(minMapEntries, min(n, maxEntries))
	for _, name := range []string{"calls", "errors", "latency"} {
		spec.Maps[name].MaxEntries = n
	}
	return spec, nil
}

// The programs' --syscalls bitmap: numbers below selectNrs by bit, the
// rest together (tracer.bpf.c: SELECT_NRS).
const (
	selectNrs   = 512
	selectWords = selectNrs / 64
)

func lookupNr(arch syscalls.Arch, name string) uint32 {
	if nr, ok := syscalls.Lookup(arch, name); ok {
		return nr
	}
	return ^uint32(0)
}

// pidNamespace is the inode of the exporter's PID namespace: the
// programs name threads by its numbers.
func pidNamespace() (uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil {
		return 0, &loadError{"cannot read the exporter's PID namespace: " + err.Error()}
	}
	return uint32(st.Ino), nil
}

// load loads and attaches the programs, or says in one line why not.
func (t *Tracer) load() (*objects, error) {
	if err := probe(); err != nil {
		return nil, err
	}
	// Before 5.11 maps are charged to RLIMIT_MEMLOCK (CAP_SYS_RESOURCE).
	if err := rlimit.RemoveMemlock(); err != nil {
		t.log.Debug("cannot raise RLIMIT_MEMLOCK", "err", err)
	}
	spec, err := t.loadSpec()
	if err != nil {
		return nil, err
	}
	o := &objects{}
	if err := spec.LoadAndAssign(&o.tracerObjects, nil); err != nil {
		return nil, t.explain(err)
	}
	for _, p := range []*cebpf.Program{o.SysEnter, o.SysExit, o.SchedProcessFork, o.TaskRename, o.SchedProcessExec, o.SchedProcessExit} {
		l, err := link.AttachTracing(link.TracingOptions{Program: p})
		if err != nil {
			o.Close()
			return nil, t.explain(err)
		}
		o.links = append(o.links, l)
	}
	return o, nil
}

// explain turns a load or attach failure into one line; the verifier's
// log goes to debug.
func (t *Tracer) explain(err error) error {
	var ve *cebpf.VerifierError
	switch {
	case errors.As(err, &ve):
		t.log.Debug("verifier log", "log", fmt.Sprintf("%+v", ve))
		return &loadError{"the kernel's verifier rejected the programs (kernel too old? 5.12+ needed; --log.level=debug shows its log)"}
	case errors.Is(err, unix.EPERM), errors.Is(err, os.ErrPermission):
		return &loadError{"permission denied loading programs: needs CAP_BPF and CAP_PERFMON (or root)"}
	case errors.Is(err, cebpf.ErrNotSupported):
		return &loadError{"kernel lacks a feature the programs need (5.12+ with BTF, task storage, ring buffers): " + err.Error()}
	}
	return &loadError{err.Error()}
}
