package testprog

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// KernelEntries runs argv under bpftrace and returns the kernel's own
// count of syscall entries (raw_syscalls:sys_enter) by the tasks named
// comm, by syscall name: a tracer apart from ours, which counts exit_group
// too. A task is named comm from its execve on, after that call's entry.
func KernelEntries(t testing.TB, comm string, argv ...string) map[string]int {
	t.Helper()
	bpftrace := RequireTool(t, "bpftrace", "bpftrace")
	if _, err := os.Stat("/sys/kernel/tracing/events"); err != nil {
		if err := syscall.Mount("nodev", "/sys/kernel/tracing", "tracefs", 0, ""); err != nil {
			t.Fatalf("mount tracefs: %v", err)
		}
	}
	script := `tracepoint:raw_syscalls:sys_enter /comm == "` + comm + `"/ { @[args->id] = count(); }`
	// -o keeps bpftrace's report apart from the command's output, which
	// goes to /dev/null as it does under the exporter.
	report := filepath.Join(t.TempDir(), "bpftrace.out")
	cmd := exec.Command(bpftrace, "-o", report, "-e", script, "-c", strings.Join(argv, " "))
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = devNull, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bpftrace: %v\n%s", err, stderr.String())
	}
	out, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]int{}
	row := regexp.MustCompile(`^@\[(\d+)\]: (\d+)$`)
	for _, line := range strings.Split(string(out), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			nr, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			entries[syscalls.Name(syscalls.Native(), uint32(nr))] = n
		}
	}
	if len(entries) < 10 {
		t.Fatalf("parsed only %d rows of bpftrace output:\n%s", len(entries), out)
	}
	return entries
}
