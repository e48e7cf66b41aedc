package syscalls

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestName(t *testing.T) {
	tests := []struct {
		arch Arch
		nr   uint32
		want string
	}{
		{X86_64, 0, "read"},
		{X86_64, 1, "write"},
		{X86_64, 35, "nanosleep"},
		{X86_64, 39, "getpid"},
		{X86_64, 60, "exit"},
		{X86_64, 110, "getppid"},
		{X86_64, 156, "_sysctl"},
		{X86_64, 231, "exit_group"},
		{X86_64, 257, "openat"},
		{X86_64, 262, "newfstatat"},

		{AArch64, 56, "openat"},
		{AArch64, 63, "read"},
		{AArch64, 64, "write"},
		{AArch64, 79, "newfstatat"},
		{AArch64, 93, "exit"},
		{AArch64, 94, "exit_group"},
		{AArch64, 101, "nanosleep"},
		{AArch64, 173, "getppid"},

		{I386, 1, "exit"},
		{I386, 3, "read"},
		{I386, 4, "write"},
		{I386, 64, "getppid"},
		{I386, 140, "_llseek"},
		{I386, 142, "_newselect"},
		{I386, 252, "exit_group"},
		{I386, 295, "openat"},

		// Unassigned, beyond the table, arm64's arch-specific marker,
		// x32, the -1 a tracer may set, and an arch without a table.
		{X86_64, 400, "syscall_400"},
		{X86_64, 100000, "syscall_100000"},
		{AArch64, 244, "syscall_244"},
		{I386, 222, "syscall_222"},
		{X86_64, 0x40000000, "syscall_1073741824"},
		{X86_64, 0xffffffff, "syscall_4294967295"},
		{Arch(unix.AUDIT_ARCH_ARM), 1, "syscall_1"},
		{0, 0, "syscall_0"},
	}
	for _, tt := range tests {
		if got := Name(tt.arch, tt.nr); got != tt.want {
			t.Errorf("Name(%#x, %d) = %q, want %q", tt.arch, tt.nr, got, tt.want)
		}
	}
}

func TestNameDoesNotAllocate(t *testing.T) {
	for _, a := range Arches {
		nr, ok := Lookup(a, "write")
		if !ok {
			t.Fatalf("Lookup(%s, write) failed", a)
		}
		if allocs := testing.AllocsPerRun(100, func() { _ = Name(a, nr) }); allocs != 0 {
			t.Errorf("Name(%s, %d) allocates %v times", a, nr, allocs)
		}
	}
}

func TestLookupInvertsName(t *testing.T) {
	for _, a := range Arches {
		if Max(a) < 400 {
			t.Errorf("Max(%s) = %d, want a full table", a, Max(a))
		}
		for nr := range uint32(Max(a)) {
			name := Name(a, nr)
			got, ok := Lookup(a, name)
			named := name != "syscall_"+strconv.FormatUint(uint64(nr), 10)
			if ok != named || (ok && got != nr) {
				t.Errorf("Lookup(%s, %q) = %d, %v; want %d, %v", a, name, got, ok, nr, named)
			}
		}
	}
	for _, name := range []string{"", "syscall_0", "nosuchcall"} {
		if nr, ok := Lookup(X86_64, name); ok {
			t.Errorf("Lookup(x86_64, %q) = %d, true", name, nr)
		}
	}
	if _, ok := Lookup(AArch64, "open"); ok {
		t.Error("aarch64 has an open syscall")
	}
	if Max(Arch(unix.AUDIT_ARCH_ARM)) != 0 {
		t.Error("Max of an arch without a table is not 0")
	}
}

func TestNative(t *testing.T) {
	want := map[string]Arch{
		"amd64": X86_64,
		"arm64": AArch64,
		"386":   I386,
	}[runtime.GOARCH]
	if got := Native(); got != want {
		t.Errorf("Native() = %#x on %s, want %#x", got, runtime.GOARCH, want)
	}
}

// TestGeneratedTablesAreCurrent fails when the zsyscalls files differ from
// what the generator makes from the x/sys version in go.mod, e.g. after an
// x/sys upgrade without go generate.
func TestGeneratedTablesAreCurrent(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run the generator with")
	}
	out := t.TempDir()
	cmd := exec.Command(goTool, "run", "./internal/mksyscalls", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the generator: %v\n%s", err, msg)
	}
	generated, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := filepath.Glob("zsyscalls_*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) != len(committed) {
		t.Errorf("generator wrote %d files, %d are committed", len(generated), len(committed))
	}
	for _, path := range generated {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Base(path))
		if err != nil {
			t.Errorf("%v (run go generate ./syscalls)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./syscalls", filepath.Base(path))
		}
	}
}
