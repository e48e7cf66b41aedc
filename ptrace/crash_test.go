package ptrace_test

import (
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/ptrace"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// nothing is a Consumer that keeps nothing.
type nothing struct{}

func (nothing) ThreadStarted(*backend.Thread) backend.Slot               { return 0 }
func (nothing) ThreadRenamed(*backend.Thread, backend.Slot) backend.Slot { return 0 }
func (nothing) ThreadExited(*backend.Thread, backend.Slot)               {}
func (nothing) Add(backend.Slot, syscalls.Arch, uint32, *backend.Delta)  {}
func (nothing) SpanCandidate(*backend.Call)                              {}
func (nothing) SyscallEntered(*backend.Call)                             {}
func (nothing) SyscallExited(*backend.Call)                              {}

// crashes keeps every crash reported.
type crashes struct {
	mu   sync.Mutex
	seen []backend.Crash
}

func (c *crashes) ProcessCrashed(cr *backend.Crash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, *cr)
}

// launchWithStdin launches argv traced with stdin from a pipe, and
// returns the pipe's write end.
func launchWithStdin(t *testing.T, tr *ptrace.Tracer, argv []string) *os.File {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 3)
	syscall.Dup3(int(r.Fd()), 0, 0)
	err = tr.Launch(argv[0], argv, os.Environ())
	syscall.Dup3(saved, 0, 0)
	syscall.Close(saved)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// A process that dereferences NULL dies of SIGSEGV as untraced, and the
// tracer reports it once, naming the signal and the thread, with the
// thread's last calls in order: the write of "ready" and the read of the
// byte that set it off, the last of the ring.
func TestCrashReportsTheLastCalls(t *testing.T) {
	prog := buildProg(t, "crash")
	for _, tc := range []struct {
		mode string
		sig  syscall.Signal
		// the last calls, oldest first, as strace prints them from
		// registers alone
		last []string
	}{
		{"segv", syscall.SIGSEGV, []string{
			`^write\(1, 0x[0-9a-f]+, 6\) += 6$`,
			`^read\(0, 0x[0-9a-f]+, 1\) += 1$`,
		}},
		{"abort", syscall.SIGABRT, []string{
			`^read\(0, 0x[0-9a-f]+, 1\) += 1$`,
			`^rt_sigprocmask\(SIG_UNBLOCK, 0x[0-9a-f]+, NULL, 8\) += 0$`,
			`^gettid\(\) += \d+$`,
			`^getpid\(\) += \d+$`,
			`^tgkill\(\d+, \d+, SIGABRT\) += 0$`,
		}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			const ring = 8
			seen := &crashes{}
			tr := ptrace.New(ptrace.Config{Consumer: nothing{}, FlightRecorder: ring, Crashes: seen})
			if err := tr.Start(); err != nil {
				t.Fatal(err)
			}
			w := launchWithStdin(t, tr, []string{prog, tc.mode})
			w.Write([]byte{'x'})
			select {
			case <-tr.Done():
			case <-time.After(20 * time.Second):
				tr.DetachAll()
				t.Fatal("crash did not end")
			}
			if ws := tr.LaunchStatus(); !ws.Signaled() || ws.Signal() != tc.sig {
				t.Errorf("status %v, want killed by %v as untraced", ws, tc.sig)
			}
			if len(seen.seen) != 1 {
				t.Fatalf("%d crashes reported, want 1", len(seen.seen))
			}
			c := seen.seen[0]
			if c.Signal != tc.sig || c.Process != "crash" || len(c.Threads) != 1 || c.TID != c.PID || c.Threads[0].Thread.TID != c.PID {
				t.Fatalf("crash %+v", c)
			}
			calls := c.Threads[0].Calls
			if len(calls) != ring {
				t.Fatalf("%d calls recorded, want the ring's %d", len(calls), ring)
			}
			var lines []string
			for i := range calls {
				lines = append(lines, decode.Format(&calls[i], nil))
			}
			tail := lines[len(lines)-len(tc.last):]
			for i, re := range tc.last {
				if !regexp.MustCompile(re).MatchString(tail[i]) {
					t.Errorf("call %d from the end: %q, want %s\nall: %q", len(tc.last)-i, tail[i], re, lines)
				}
			}
			for i := 1; i < len(calls); i++ {
				if calls[i].Entry < calls[i-1].Exit {
					t.Errorf("calls out of order: %q before %q", lines[i-1], lines[i])
				}
			}
		})
	}
}

// RecentCalls copies a live thread's ring without stopping it: crash,
// blocked in its read of stdin, has recorded the write of "ready" last;
// it then goes on as untraced.
func TestRecentCallsOfALiveThread(t *testing.T) {
	prog := buildProg(t, "crash")
	tr := ptrace.New(ptrace.Config{Consumer: nothing{}, FlightRecorder: 4})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	w := launchWithStdin(t, tr, []string{prog, "segv"})
	write := regexp.MustCompile(`^write\(1, 0x[0-9a-f]+, 6\) += 6$`)
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if rc := tr.RecentCalls(); len(rc) == 1 && len(rc[0].Calls) == 4 {
			last = decode.Format(&rc[0].Calls[3], nil)
			if write.MatchString(last) {
				break
			}
		}
	}
	if !write.MatchString(last) {
		t.Fatalf("last recorded call %q, want the write of ready", last)
	}
	w.Write([]byte{'x'})
	<-tr.Done()
	if ws := tr.LaunchStatus(); !ws.Signaled() || ws.Signal() != syscall.SIGSEGV {
		t.Errorf("status %v after the dump, want SIGSEGV", ws)
	}
	if rc := tr.RecentCalls(); rc != nil {
		t.Errorf("recent calls of a stopped tracer: %v", rc)
	}
}

// A crash reports every thread of the process, the one the signal hit
// first: here the main thread, and a thread asleep in nanosleep, whose
// call never returned.
func TestCrashReportsEveryThread(t *testing.T) {
	prog := buildProg(t, "crash")
	seen := &crashes{}
	tr := ptrace.New(ptrace.Config{Consumer: nothing{}, FlightRecorder: 4, Crashes: seen})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	w := launchWithStdin(t, tr, []string{prog, "threads"})
	// The byte goes once the sleeper has named itself, its nanosleep next.
	named := false
	for deadline := time.Now().Add(10 * time.Second); !named && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, rc := range tr.RecentCalls() {
			named = named || rc.Thread.Name == "sleeper"
		}
	}
	if !named {
		t.Fatal("the sleeper did not start")
	}
	time.Sleep(50 * time.Millisecond)
	w.Write([]byte{'x'})
	select {
	case <-tr.Done():
	case <-time.After(20 * time.Second):
		tr.DetachAll()
		t.Fatal("crash did not end")
	}
	if ws := tr.LaunchStatus(); !ws.Signaled() || ws.Signal() != syscall.SIGSEGV {
		t.Errorf("status %v, want SIGSEGV", ws)
	}
	if len(seen.seen) != 1 {
		t.Fatalf("%d crashes reported, want 1", len(seen.seen))
	}
	c := seen.seen[0]
	if len(c.Threads) != 2 || c.TID != c.PID || c.Threads[0].Thread.TID != c.PID || c.Threads[1].Thread.Name != "sleeper" {
		t.Fatalf("crash %+v, want the main thread, then the sleeper", c)
	}
	main, sleeper := c.Threads[0].Calls, c.Threads[1].Calls
	if last := decode.Format(&main[len(main)-1], nil); !regexp.MustCompile(`^read\(0, 0x[0-9a-f]+, 1\) += 1$`).MatchString(last) {
		t.Errorf("main thread's last call %q", last)
	}
	if last := decode.Format(&sleeper[len(sleeper)-1], nil); !regexp.MustCompile(`^nanosleep\(0x[0-9a-f]+, NULL\) += \?$`).MatchString(last) {
		t.Errorf("sleeper's last call %q, want its nanosleep, never returned", last)
	}
}

// A call a signal interrupts is recorded as strace shows it at its exit
// stop, with its restart code: here the nanosleep eintr -j leaves by
// siglongjmp, then the calls after it, in order.
func TestRecorderKeepsInterruptedCalls(t *testing.T) {
	prog := buildProg(t, "eintr")
	tr := ptrace.New(ptrace.Config{Consumer: nothing{}, FlightRecorder: 8})
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	w := launchWithStdin(t, tr, []string{prog, "-j", "-w"})
	w.Close() // EOF: it goes on, and ends in pause
	want := []string{
		`^nanosleep\(0x[0-9a-f]+, NULL\) += \? ERESTART_RESTARTBLOCK \(Interrupted by signal\)$`,
		`^rt_sigprocmask\(SIG_SETMASK, 0x[0-9a-f]+, NULL, 8\) += 0$`,
		`^getppid\(\) += \d+$`,
		`^write\(1, 0x[0-9a-f]+, \d+\) += \d+$`,
	}
	var lines []string
	var pid int32
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		rc := tr.RecentCalls()
		if len(rc) != 1 {
			continue
		}
		pid, lines = rc[0].Thread.PID, nil
		for i := range rc[0].Calls {
			lines = append(lines, decode.Format(&rc[0].Calls[i], nil))
		}
		if len(lines) >= len(want) && regexp.MustCompile(want[len(want)-1]).MatchString(lines[len(lines)-1]) &&
			strings.HasPrefix(lines[len(lines)-len(want)], "nanosleep(") {
			break
		}
	}
	if len(lines) < len(want) {
		t.Fatalf("recorded %q", lines)
	}
	tail := lines[len(lines)-len(want):]
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(tail[i]) {
			t.Errorf("call %d of the last %d: %q, want %s\nall: %q", i, len(want), tail[i], re, lines)
		}
	}
	unix.Kill(int(pid), unix.SIGKILL)
	<-tr.Done()
}
