package testprog

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Detached is a process started through a short-lived shell, so it is not
// a child of the test: as in production, where the exporter attaches to
// processes it did not start, the tracer sees the target's exit only as
// its tracer, never as its parent. Its stdin is a FIFO the test holds open
// until CloseStdin.
type Detached struct {
	PID    int
	dir    string
	stdin  *os.File
	status string
}

// StartDetached runs argv with stdout to a file and waits for its PID.
func StartDetached(t testing.TB, argv ...string) *Detached {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "stdin")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &Detached{dir: dir, stdin: stdin, status: filepath.Join(dir, "status")}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := "(" + strings.Join(quoted, " ") + " <" + fifo + " >" + filepath.Join(dir, "stdout") + " 2>&1 & echo $! >" + filepath.Join(dir, "pid") +
		"; wait $!; echo $? >" + d.status + ".tmp; mv " + d.status + ".tmp " + d.status + ") &"
	cmd := exec.Command("/bin/sh", "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The shell exits at once; whoever reaps it (us or a tracer) does not matter.
	go cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil && len(b) > 1 {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				d.PID = pid
				t.Cleanup(func() {
					d.stdin.Close()
					syscall.Kill(d.PID, syscall.SIGKILL)
					// The wrapping shell writes the status file into the
					// test's temporary directory once the process is gone;
					// removing the directory before then fails the test.
					for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
						if _, err := os.Stat(d.status); err == nil {
							break
						}
					}
				})
				return d
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("detached process did not start")
	return nil
}

// Stdout returns what the process printed so far.
func (d *Detached) Stdout() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "stdout"))
	return string(b)
}

// WaitOutput waits until stdout contains s.
func (d *Detached) WaitOutput(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(d.Stdout(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d did not print %q in %v; it printed %q", d.PID, s, timeout, d.Stdout())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// CloseStdin gives the process EOF on stdin.
func (d *Detached) CloseStdin() { d.stdin.Close() }

// Wait returns the exit status the shell saw, as $? (128+N for signal N).
func (d *Detached) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(d.status); err == nil {
			n, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err == nil {
				return n
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("process %d did not exit within %v", d.PID, timeout)
	return -1
}

// ProcStatus returns the State letter and TracerPid of every thread.
func ProcStatus(pid int) (states map[int]string, tracers map[int]int) {
	states, tracers = map[int]string{}, map[int]int{}
	ents, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimSpace(v)
			switch k {
			case "State":
				states[tid] = v[:1]
			case "TracerPid":
				tracers[tid], _ = strconv.Atoi(v)
			}
		}
	}
	return states, tracers
}
