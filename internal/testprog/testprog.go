// Package testprog builds the small C programs the tests trace, and holds
// the rule for tests that need ptrace: skip on a laptop, fail in CI.
package testprog

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// RequireTracing skips a test that needs root/ptrace and gcc when they are
// missing, unless CI is set: there a missing prerequisite is a failure.
func RequireTracing(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root (ptrace of processes the test starts, /proc of other users)")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		skipOrFail(t, "needs gcc to build the traced test programs")
	}
}

// RequireTool skips (or in CI fails) when an external program is absent.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, "needs "+name+" (Debian package "+pkg+"; .ci/run installs it)")
	}
	return p
}

func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI is set, so this is a failure, not a skip", why)
	}
	t.Skip(why)
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
	dir     string
)

// Build compiles src/NAME.c once per test binary and returns its path.
func Build(t testing.TB, name string) string {
	t.Helper()
	return build(t, name, false)
}

// BuildStatic is Build for a statically linked program, which runs alone
// in a container image.
func BuildStatic(t testing.TB, name string) string {
	t.Helper()
	return build(t, name, true)
}

// BuildI386 is Build for a 32-bit x86 program, which an x86_64 kernel
// runs in compat mode with the i386 syscall numbers (gcc-multilib). It
// skips elsewhere.
func BuildI386(t testing.TB, name string) string {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("i386 programs run only on x86_64")
	}
	return buildAs(t, name, name+".i386", "-m32")
}

func build(t testing.TB, name string, static bool) string {
	t.Helper()
	if static {
		return buildAs(t, name, name+".static", "-static")
	}
	return buildAs(t, name, name)
}

// buildAs compiles src/NAME.c with flags, once per key.
func buildAs(t testing.TB, name, key string, flags ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[key]; ok {
		return p
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "syscall_exporter-testprog-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "src", name+".c")
	out := filepath.Join(dir, key)
	args := append(flags, "-O1", "-pthread", "-o", out, src)
	cmd := exec.Command("gcc", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, b)
	}
	built[key] = out
	return out
}

// RequireFile skips (or in CI fails) when a file a package installs is
// absent.
func RequireFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		skipOrFail(t, "needs "+path+" (Debian package "+pkg+"; .ci/run installs it)")
	}
}

// RequireBPF skips a test that loads eBPF programs where it cannot:
// without root (CAP_BPF, CAP_PERFMON) or a kernel with BTF. In CI that is
// a failure.
func RequireBPF(t testing.TB) {
	t.Helper()
	RequireTracing(t)
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		skipOrFail(t, "needs a kernel with BTF (/sys/kernel/btf/vmlinux) for the eBPF backend")
	}
}
