package ebpf_test

import (
	"errors"
	"os"
	"testing"

	cebpf "github.com/cilium/ebpf"
)

// ours names the backend's programs and maps (tracer.bpf.c).
var ours = map[string]bool{
	"sys_enter": true, "sys_exit": true, "sched_process_fork": true, "task_rename": true,
	"sched_process_exec": true, "sched_process_exit": true, "adopt_threads": true,
	"tasks": true, "calls": true, "errors": true, "latency": true, "lost": true, "events": true, "failures": true,
}

// loadedSet is the IDs of programs and maps; map IDs are kept apart by
// their sign.
type loadedSet map[int64]bool

// loaded counts the programs and maps in the kernel that bear our names,
// whoever loaded them, as bpftool prog show and bpftool map show would.
func loaded(t *testing.T) loadedSet {
	t.Helper()
	c := loadedSet{}
	for id := cebpf.ProgramID(0); ; {
		next, err := cebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id = next
		p, err := cebpf.NewProgramFromID(id)
		if err != nil {
			continue // gone meanwhile
		}
		if info, err := p.Info(); err == nil && ours[info.Name] {
			c[int64(id)] = true
		}
		p.Close()
	}
	for id := cebpf.MapID(0); ; {
		next, err := cebpf.MapGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id = next
		m, err := cebpf.NewMapFromID(id)
		if err != nil {
			continue
		}
		if info, err := m.Info(); err == nil && ours[info.Name] {
			c[-int64(id)] = true
		}
		m.Close()
	}
	return c
}
