package ptrace_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// After an exec the tracer names the program from the path it was exec'd
// by, and a launched command by the name it took: the recorder checks each
// name against /proc while the tracee is stopped, and keys the counts by
// it.
func TestExecNamesTheProgramAsTheKernelDoes(t *testing.T) {
	tr, rec := startTracer(t)
	dir := t.TempDir()
	long := "a-program-with-a-long-name" // cut to "a-program-with-"
	utf8 := "ééééééééé"                  // 18 bytes: the cut splits the 8th é
	for _, name := range []string{long, utf8} {
		if err := os.Symlink("/bin/true", filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "script.sh"), []byte("#!/bin/sh\n/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A long path (over 300 bytes).
	deep := strings.Repeat("a-directory-name-of-forty-bytes-or-so-x/", 8)
	if err := os.MkdirAll(filepath.Join(dir, deep), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/bin/true", filepath.Join(dir, deep, "deep")); err != nil {
		t.Fatal(err)
	}
	script := `cd "$1" && ./` + long + ` && "$1/` + utf8 + `" && "$1/script.sh" && "$1/` + deep + `deep" && { /nonexistent/program 2>/dev/null; exec /bin/true; }`
	launchToSuccess(t, tr, "/bin/sh", []string{"sh", "-c", script, "sh", dir})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, m := range rec.misnamed {
		t.Error(m)
	}
	// The launched sh at its exec, the long name, the UTF-8 name,
	// script.sh, deep, and true twice; the exec that failed renames
	// nothing.
	if rec.renamed != 7 {
		t.Errorf("%d renames, want 7", rec.renamed)
	}
	cut := backend.ValidName(utf8[:15])
	for key, want := range map[string]int{
		"a-program-with-/a-program-with- exit_group": 1,
		cut + "/" + cut + " exit_group":              1,
		"true/true exit_group":                       2,
		"deep/deep exit_group":                       1,
	} {
		if got := rec.calls[key]; got != want {
			t.Errorf("%q: %d calls, want %d", key, got, want)
		}
	}
}
