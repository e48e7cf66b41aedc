package ptrace_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// A call a signal interrupts counts the error the program saw, on that
// call: EINTR where a handler without SA_RESTART ran (eintr prints
// "-1 4" for each), none where the kernel restarted it, and never one on
// rt_sigreturn. Calls are counted at entry, so a restarted call counts
// twice, as in the kernel's raw_syscalls:sys_enter. Every entered call
// is handed over once it is resolved: exits equal calls, even for the
// nanosleep that -j leaves by siglongjmp.
func TestInterruptedCallsCountWhatTheProgramSaw(t *testing.T) {
	checkInterruptedModes(t, buildProg(t, "eintr"), "rt_sigreturn")
}

// The same for an i386 program on x86_64: other numbers, and its handlers
// return by sigreturn, not rt_sigreturn.
func TestInterruptedCallsOfI386Programs(t *testing.T) {
	testprog.RequireTracing(t)
	checkInterruptedModes(t, testprog.BuildI386(t, "eintr"), "sigreturn")
}

// checkInterruptedModes runs eintr's modes; its handlers return by the
// call named sigreturn.
func checkInterruptedModes(t *testing.T, prog, sigreturn string) {
	for _, tc := range testprog.EintrModes(sigreturn) {
		t.Run("mode"+tc.Flag, func(t *testing.T) {
			for _, filtered := range []bool{false, true} {
				rec := traceEintr(t, prog, tc.Flag, tc.Output, filtered)
				checkEintr(t, rec, prog, filtered, tc.Calls, tc.Errs)
				if tc.Flag == "" {
					ds := rec.durations[filepath.Base(prog)+"/"+filepath.Base(prog)+" nanosleep"]
					if len(ds) != 1 || ds[0] < 40e6 || ds[0] > 900e6 {
						t.Errorf("filtered %v: interrupted nanosleep latencies %v, want one of about 50 ms", filtered, ds)
					}
				}
			}
		})
	}
}

// traceEintr launches eintr in mode under a tracer, with a seccomp filter
// selecting only the interrupted calls when filtered, and checks what it
// printed.
func traceEintr(t *testing.T, prog, mode, output string, filtered bool) *recorder {
	t.Helper()
	rec := newRecorder()
	cfg := ptrace.Config{Consumer: rec}
	if filtered {
		f, err := syscalls.Parse("pause,rt_sigsuspend,nanosleep,read,getppid,execve")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Filter = &f
	}
	tr := ptrace.New(cfg)
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
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
	return rec
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
		key := prefix + name
		if got := uint64(rec.calls[key]); got != want {
			t.Errorf("filtered %v: %s: %d calls, want %d", filtered, key, got, want)
		}
		if got := uint64(rec.exits[key]); got != want {
			t.Errorf("filtered %v: %s: %d exits handed over, want %d", filtered, key, got, want)
		}
	}
	for key, got := range rec.errs {
		name, errno, _ := strings.Cut(strings.TrimPrefix(key, prefix), " ")
		if _, ok := calls[name]; !ok || !strings.HasPrefix(key, prefix) {
			continue // the loader's
		}
		if want := errs[name+" "+errno]; uint64(got) != want {
			t.Errorf("filtered %v: %s: %d errors, want %d", filtered, key, got, want)
		}
	}
	for key, want := range errs {
		if got := uint64(rec.errs[prefix+key]); got != want {
			t.Errorf("filtered %v: %s%s: %d errors, want %d", filtered, prefix, key, got, want)
		}
	}
	if rec.live != 0 {
		t.Errorf("filtered %v: %d threads left", filtered, rec.live)
	}
}

// A held call is handed over when its thread is let go, or killed:
// eintr -j -w leaves its nanosleep by siglongjmp, then pauses. Both
// calls count once, with no error, and nothing is left.
func TestInterruptedCallHeldAtDetachOrKill(t *testing.T) {
	prog := buildProg(t, "eintr")
	for _, kill := range []bool{false, true} {
		tr, rec := startTracer(t)
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
			for deadline := time.Now().Add(10 * time.Second); tr.Stats().Tracees.Load() != 0; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the killed eintr is still traced")
				}
			}
		}
		if err := tr.DetachAll(); err != nil {
			t.Fatal(err)
		}
		waitDone(t, tr)
		checkEintr(t, rec, prog, false, map[string]uint64{"nanosleep": 1, "getppid": 1, "pause": 1, "rt_sigreturn": 0}, map[string]uint64{})
		if !kill {
			if _, tracers := testprog.ProcStatus(d.PID); tracers[d.PID] != 0 {
				t.Errorf("still traced by %d after Done", tracers[d.PID])
			}
			if err := syscall.Kill(d.PID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
		d.Wait(t, 10*time.Second)
	}
}
