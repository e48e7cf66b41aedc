package ebpf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// The committed objects are what the C source compiles to: the test runs
// gen.go's go:generate line into a directory of its own and compares.
// bpf2go's output is byte-for-byte reproducible with the same clang.
func TestObjectsFresh(t *testing.T) {
	testprog.RequireTool(t, "clang", "clang")
	testprog.RequireFile(t, "/usr/include/bpf/bpf_helpers.h", "libbpf-dev")
	src, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "//go:generate ") {
			line = strings.TrimPrefix(l, "//go:generate ")
		}
	}
	args := strings.Fields(line)
	if len(args) < 3 || args[0] != "go" || args[1] != "run" {
		t.Fatalf("unexpected go:generate line %q", line)
	}
	out := t.TempDir()
	// -cflags takes one quoted argument: rejoin it.
	var argv []string
	for i := 2; i < len(args); i++ {
		if strings.HasPrefix(args[i], `"`) {
			j := i
			for !strings.HasSuffix(args[j], `"`) {
				j++
			}
			argv = append(argv, strings.Trim(strings.Join(args[i:j+1], " "), `"`))
			i = j
			continue
		}
		argv = append(argv, args[i])
	}
	cmd := exec.Command("go", append([]string{"run", argv[0], "-output-dir", out}, argv[1:]...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bpf2go: %v\n%s", err, b)
	}
	for _, name := range []string{"tracer_x86_bpfel.o", "tracer_arm64_bpfel.o", "tracer_x86_bpfel.go", "tracer_arm64_bpfel.go"} {
		fresh, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("%s is stale against bpf/tracer.bpf.c: run go generate ./ebpf", name)
		}
	}
}
