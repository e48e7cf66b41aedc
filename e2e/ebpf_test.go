package e2e

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// bpfObjects lists the IDs of the programs (kind "prog") or maps ("map")
// loaded now, by name, as bpftool shows them.
func bpfObjects(t *testing.T, bpftool, kind string) map[int]string {
	t.Helper()
	out, err := exec.Command(bpftool, "-j", kind, "show").Output()
	if err != nil {
		t.Fatalf("bpftool %s show: %v", kind, err)
	}
	var objs []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(out, &objs); err != nil {
		t.Fatalf("bpftool %s show: %v\n%s", kind, err, out)
	}
	ids := map[int]string{}
	for _, o := range objs {
		ids[o.ID] = o.Name
	}
	return ids
}

// After SIGKILL of an exporter with --backend=ebpf, none of its programs,
// links or maps remain: the kernel holds them through its descriptors
// only. Counted with bpftool before and after.
func TestEBPFExporterSIGKILLedLeavesNothingLoaded(t *testing.T) {
	testprog.RequireBPF(t)
	bpftool := testprog.RequireTool(t, "bpftool", "bpftool")
	w := startWorkload(t, "-w", "-l", "-g", "10", "-e", "1", "-s", "0", "-f", "-1")
	before := map[string]map[int]string{"prog": bpfObjects(t, bpftool, "prog"), "map": bpfObjects(t, bpftool, "map")}
	e := startExporter(t, "--backend=ebpf", "--pid", strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 10*time.Second, "target traced", func() bool { return httpStatus(t, "http://"+e.Addr+"/readyz") == 200 })
	eventually(t, 10*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })
	ours := map[string][]int{}
	for kind := range before {
		for id := range bpfObjects(t, bpftool, kind) {
			if _, old := before[kind][id]; !old {
				ours[kind] = append(ours[kind], id)
			}
		}
	}
	if len(ours["prog"]) < 7 || len(ours["map"]) < 7 {
		t.Fatalf("while the exporter runs: new programs %v, maps %v; want its 7 programs and 7 maps", ours["prog"], ours["map"])
	}
	e.cmd.Process.Kill()
	e.wait(t, 5*time.Second)
	eventually(t, 5*time.Second, "its programs and maps gone", func() bool {
		for kind, ids := range ours {
			now := bpfObjects(t, bpftool, kind)
			for _, id := range ids {
				if _, left := now[id]; left {
					return false
				}
			}
		}
		return true
	})
	select {
	case <-w.done:
		t.Fatal("the target died with the exporter")
	default:
	}
	t.Logf("figure: %d programs and %d maps loaded while running, none after SIGKILL", len(ours["prog"]), len(ours["map"]))
}
