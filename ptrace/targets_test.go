package ptrace_test

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

func TestTargetsListTracedProcessesAndThreads(t *testing.T) {
	prog := buildProg(t, "workload")
	tr, _ := startTracer(t)
	if got, more := tr.Targets(10, 10); len(got) != 0 || more != 0 {
		t.Fatalf("targets before any attach: %+v, %d more", got, more)
	}
	// Two lingering processes; their work threads have exited by "done".
	a := testprog.StartDetached(t, prog, "-w", "-l", "-g", "10", "-f", "-1")
	b := testprog.StartDetached(t, prog, "-w", "-l", "-g", "10", "-f", "-1")
	for _, d := range []*testprog.Detached{a, b} {
		d.WaitOutput(t, "ready", 5*time.Second)
		if err := tr.Attach(d.PID); err != nil {
			t.Fatal(err)
		}
		d.WaitOutput(t, "done", 30*time.Second)
	}
	first, second := a.PID, b.PID
	if second < first {
		first, second = second, first
	}

	// Blocked reading stdin, which the kernel shows as sleeping, once the
	// thread has got there from printing "done".
	var got []backend.Target
	var more int
	for deadline := time.Now().Add(5 * time.Second); ; {
		got, more = tr.Targets(10, 10)
		if !anyRunning(got) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(got) != 2 || more != 0 || got[0].PID != first || got[1].PID != second {
		t.Fatalf("targets %+v (%d more), want PIDs %d and %d", got, more, first, second)
	}
	for _, tg := range got {
		if tg.Name != "workload" || tg.Launched || tg.PPID == os.Getpid() {
			t.Errorf("target %+v: want workload, attached, not our child", tg)
		}
		if len(tg.Threads) != 1 || tg.Threads[0].TID != tg.PID || tg.Threads[0].Name != "workload" {
			t.Errorf("threads of %d: %+v, want the main thread alone", tg.PID, tg.Threads)
			continue
		}
		th := tg.Threads[0]
		if th.Attach != "traced" {
			t.Errorf("thread %d: %q, want traced", th.TID, th.Attach)
		}
		if !strings.HasPrefix(th.State, "S") && !strings.HasPrefix(th.State, "t") {
			t.Errorf("thread %d state %q", th.TID, th.State)
		}
	}

	// Bounded: the page asks for a few and learns how many it missed.
	if got, more := tr.Targets(1, 0); len(got) != 1 || more != 1 || got[0].PID != first || got[0].MoreThreads != 1 || len(got[0].Threads) != 0 {
		t.Errorf("Targets(1, 0) = %+v, %d more", got, more)
	}

	// A process that exits leaves the list.
	a.CloseStdin()
	a.Wait(t, 10*time.Second)
	eventually := time.Now().Add(5 * time.Second)
	for {
		got, _ = tr.Targets(10, 10)
		if len(got) == 1 && got[0].PID == b.PID {
			break
		}
		if time.Now().After(eventually) {
			t.Fatalf("after %d exited: %+v", a.PID, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTargetsMarkTheLaunchedCommand(t *testing.T) {
	prog := buildProg(t, "workload")
	tr, _ := startTracer(t)
	// The launched command inherits stdin and stdout: a pipe we hold keeps
	// it lingering, and what it prints goes to /dev/null.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	devnull := devNull(t)
	savedIn, _ := syscall.Dup(0)
	savedOut, _ := syscall.Dup(1)
	syscall.Dup3(int(r.Fd()), 0, 0)
	syscall.Dup3(int(devnull.Fd()), 1, 0)
	err = tr.Launch(prog, []string{prog, "-l", "-g", "5", "-f", "-1", "-s", "0"}, os.Environ())
	syscall.Dup3(savedIn, 0, 0)
	syscall.Dup3(savedOut, 1, 0)
	syscall.Close(savedIn)
	syscall.Close(savedOut)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := tr.Targets(10, 10)
		if len(got) == 1 && got[0].Name == "workload" {
			if !got[0].Launched || got[0].PPID != os.Getpid() {
				t.Fatalf("launched command not marked: %+v", got[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("launched workload never listed: %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.Close()
	waitDone(t, tr)
}

func anyRunning(targets []backend.Target) bool {
	for _, tg := range targets {
		for _, th := range tg.Threads {
			if strings.HasPrefix(th.State, "R") {
				return true
			}
		}
	}
	return false
}
