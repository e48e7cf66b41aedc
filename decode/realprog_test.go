package decode_test

import (
	"os"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// Calls whose text carries what changes from one run to the next: random
// bytes, live counters, the thread id.
var variable = map[string]bool{"getrandom": true, "sysinfo": true, "statfs": true, "fstatfs": true, "set_tid_address": true}

// TestRealProgramsMatchStrace is the held-out check: programs this
// package was not written for, under strace and under the decoder, with
// ASLR off (setarch -R). Every line must match but those of calls whose
// text changes between runs anyway.
func TestRealProgramsMatchStrace(t *testing.T) {
	testprog.RequireTracing(t)
	strace := testprog.RequireTool(t, "strace", "strace")
	setarch := testprog.RequireTool(t, "setarch", "util-linux")
	for _, argv := range [][]string{
		{"/bin/ls", "-la", "/usr/bin"},
		{"/usr/bin/find", "/usr/include/linux", "-name", "*.h"},
		{"/bin/cat", "/etc/passwd"},
	} {
		if _, err := os.Stat(argv[0]); err != nil {
			t.Errorf("%s: %v", argv[0], err)
			continue
		}
		t.Run(argv[0], func(t *testing.T) {
			full := append([]string{setarch, "-R"}, argv...)
			want := afterExec(straceRun(t, strace, full))
			got := afterExec(tracedRun(t, setarch, full))
			if len(want) < 50 {
				t.Fatalf("strace shows only %d calls of %s", len(want), argv[0])
			}
			if len(got) != len(want) {
				t.Errorf("%d lines, strace has %d", len(got), len(want))
			}
			compared, bad := 0, 0
			for i := 0; i < len(want) && i < len(got); i++ {
				if want[i].name != got[i].name {
					t.Fatalf("line %d: %s, strace has %s: the runs went apart", i, got[i].name, want[i].name)
				}
				if variable[want[i].name] {
					continue
				}
				compared++
				if msg := compareLine(want[i], got[i]); msg != "" {
					if bad++; bad <= 20 {
						t.Errorf("line %d: %s", i, msg)
					}
				}
			}
			t.Logf("%d lines compared, %d differ", compared, bad)
		})
	}
}

// afterExec keeps the calls of the traced program itself: the first
// task's, after setarch's exec of it.
func afterExec(lines []line) []line {
	if len(lines) == 0 {
		return nil
	}
	root, execs := lines[0].pid, 0
	var out []line
	for _, l := range lines {
		if l.pid != root {
			continue
		}
		if execs >= 2 {
			out = append(out, l)
		}
		if (l.name == "execve" || l.name == "execveat") && l.ok {
			execs++
		}
	}
	return out
}
