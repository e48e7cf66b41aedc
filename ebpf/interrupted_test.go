package ebpf_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/ebpf"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// A call a signal interrupts counts the error the program saw, on that
// call: EINTR where a handler without SA_RESTART ran (eintr prints
// "-1 4" for each), none where the kernel restarted it, and never one on
// rt_sigreturn; the same numbers as the ptrace backend's test. Calls
// count at entry, so a restarted call counts twice, as in the kernel's
// raw_syscalls:sys_enter.
func TestInterruptedCallsCountWhatTheProgramSaw(t *testing.T) {
	testprog.RequireBPF(t)
	checkInterruptedModes(t, testprog.Build(t, "eintr"), "rt_sigreturn")
}

// The same for an i386 program on x86_64: other numbers, and its handlers
// return by sigreturn, not rt_sigreturn.
func TestInterruptedCallsOfI386Programs(t *testing.T) {
	testprog.RequireBPF(t)
	checkInterruptedModes(t, testprog.BuildI386(t, "eintr"), "sigreturn")
}

// checkInterruptedModes runs eintr's modes; its handlers return by the
// call named sigreturn.
func checkInterruptedModes(t *testing.T, prog, sigreturn string) {
	for _, tc := range testprog.EintrModes(sigreturn) {
		t.Run("mode"+tc.Flag, func(t *testing.T) {
			for _, filtered := range []bool{false, true} {
				tr, rec := traceEintr(t, prog, tc.Flag, tc.Output, filtered)
				checkEintr(t, rec, prog, filtered, tc.Calls, tc.Errs)
				if got := tr.Stats().InterruptedOverflow.Load(); got != 0 {
					t.Errorf("filtered %v: interrupted overflow %d, want 0", filtered, got)
				}
				if tc.Flag == "" {
					key := filepath.Base(prog) + "/" + filepath.Base(prog) + " nanosleep"
					rec.mu.Lock()
					n, sum := rec.latencies[key], time.Duration(rec.sumNs[key])
					rec.mu.Unlock()
					if n != 1 || sum < 40*time.Millisecond || sum > 900*time.Millisecond {
						t.Errorf("filtered %v: interrupted nanosleep: %d latencies summing %v, want one of about 50 ms", filtered, n, sum)
					}
				}
			}
		})
	}
}

// traceEintr launches eintr in mode under a tracer, selecting only the
// interrupted calls when filtered, and checks what it printed.
func traceEintr(t *testing.T, prog, mode, output string, filtered bool) (*ebpf.Tracer, *recorder) {
	t.Helper()
	var filter *syscalls.Filter
	if filtered {
		f, err := syscalls.Parse("pause,rt_sigsuspend,nanosleep,read,getppid,execve")
		if err != nil {
			t.Fatal(err)
		}
		filter = &f
	}
	tr, rec := startTracer(t, filter)
	out := filepath.Join(t.TempDir(), "out")
	// The shell only sends the output to a file: it execs eintr.
	script := "exec " + prog + " " + mode + " >" + out
	if err := tr.Launch("/bin/sh", []string{"sh", "-c", script}, os.Environ()); err != nil {
		t.Fatal(err)
	}
	waitDone(t, tr)
	if ws := tr.LaunchStatus(); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("eintr %s: status %v, want exit 0", mode, ws)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), output) {
		t.Fatalf("eintr %s printed %q, want %q: the tracer changed what the program saw", mode, b, output)
	}
	return tr, rec
}

func checkEintr(t *testing.T, rec *recorder, prog string, filtered bool, calls, errs map[string]uint64) {
	t.Helper()
	prefix := filepath.Base(prog) + "/" + filepath.Base(prog) + " "
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for name, want := range calls {
		if filtered && (name == "rt_sigreturn" || name == "sigreturn" || name == "setitimer" || name == "rt_sigprocmask") {
			want = 0 // not selected: seen, not counted
		}
		if got := rec.calls[prefix+name]; got != want {
			t.Errorf("filtered %v: %s%s: %d calls, want %d", filtered, prefix, name, got, want)
		}
	}
	for key, got := range rec.errs {
		name, errno, _ := strings.Cut(strings.TrimPrefix(key, prefix), " ")
		if _, ok := calls[name]; !ok || !strings.HasPrefix(key, prefix) {
			continue // the loader's
		}
		if want := errs[name+" "+errno]; got != want {
			t.Errorf("filtered %v: %s: %d errors, want %d", filtered, key, got, want)
		}
	}
	for key, want := range errs {
		if got := rec.errs[prefix+key]; got != want {
			t.Errorf("filtered %v: %s%s: %d errors, want %d", filtered, prefix, key, got, want)
		}
	}
	// Each EINTR is a failed call offered to the span selection; a
	// sigreturn never is.
	spans := map[string]uint64{}
	for _, s := range rec.spans {
		if strings.HasPrefix(s, prefix) {
			spans[strings.TrimPrefix(s, prefix)]++
		}
	}
	for key, got := range spans {
		name, _, _ := strings.Cut(key, " ")
		if _, ok := calls[name]; ok && got != errs[key] {
			t.Errorf("filtered %v: %d span candidates %s%s, want %d", filtered, got, prefix, key, errs[key])
		}
	}
	for key, want := range errs {
		if spans[key] != want {
			t.Errorf("filtered %v: %d span candidates %s%s, want %d (%v)", filtered, spans[key], prefix, key, want, rec.spans)
		}
	}
	if rec.live != 0 {
		t.Errorf("filtered %v: %d threads left", filtered, rec.live)
	}
}

// A held call goes with its thread, or with the programs: eintr -j -w
// leaves its nanosleep by siglongjmp, then pauses, and is killed or let
// go. Every call counts once, with no error.
func TestInterruptedCallHeldAtDetachOrKill(t *testing.T) {
	prog := testprog.Build(t, "eintr")
	for _, kill := range []bool{false, true} {
		tr, rec := startTracer(t, nil)
		d := testprog.StartDetached(t, prog, "-j", "-w")
		d.WaitOutput(t, "ready", 10*time.Second)
		if err := tr.Attach(d.PID); err != nil {
			t.Fatal(err)
		}
		d.CloseStdin()
		d.WaitOutput(t, "getppid", 10*time.Second)
		for deadline := time.Now().Add(10 * time.Second); rec.count("eintr/eintr pause") != 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("eintr never paused")
			}
		}
		if kill {
			if err := syscall.Kill(d.PID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			waitGone(t, tr, d.PID)
		}
		if err := tr.DetachAll(); err != nil {
			t.Fatal(err)
		}
		waitDone(t, tr)
		checkEintr(t, rec, prog, false, map[string]uint64{"nanosleep": 1, "getppid": 1, "pause": 1, "rt_sigreturn": 0}, map[string]uint64{})
		if got := tr.Stats().InterruptedOverflow.Load(); got != 0 {
			t.Errorf("interrupted overflow %d, want 0", got)
		}
		if !kill {
			if err := syscall.Kill(d.PID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
		d.Wait(t, 10*time.Second)
	}
}

// Handlers nested 4 deep interrupt 5 calls, one more than a thread holds:
// the oldest, the pause, goes as not failed and is counted as an
// overflow; each nanosleep counts its EINTR.
func TestInterruptedCallsOverflow(t *testing.T) {
	testprog.RequireBPF(t)
	prog := testprog.Build(t, "eintr")
	tr, rec := traceEintr(t, prog, "-n 4", strings.Repeat("inner-nanosleep -1 4\n", 4)+"pause -1 4\n", false)
	checkEintr(t, rec, prog, false,
		map[string]uint64{"pause": 1, "nanosleep": 4, "rt_sigreturn": 5, "setitimer": 5},
		map[string]uint64{"nanosleep EINTR": 4})
	if got := tr.Stats().InterruptedOverflow.Load(); got != 1 {
		t.Errorf("interrupted overflow %d, want 1", got)
	}
}
