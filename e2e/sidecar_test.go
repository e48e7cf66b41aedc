package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// A pod, simulated for real: a PID namespace whose init is a pause-like
// process, the exporter started first as UID 0 with only CAP_SYS_PTRACE
// (with eBPF: CAP_BPF and CAP_PERFMON) and --match.comm, then the app as
// UID 65534, killed and started again.
func TestSidecarInPIDNamespace(t *testing.T) {
	eachBackend(t, testSidecarInPIDNamespace)
}

func testSidecarInPIDNamespace(t *testing.T) {
	testprog.RequireTracing(t)
	for _, tool := range []string{"unshare", "nsenter", "setpriv"} {
		testprog.RequireTool(t, tool, "util-linux")
	}
	const interval = 300 * time.Millisecond
	const getppids = 400

	// The app binary, named so its comm is "podapp", readable by UID 65534.
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	app := filepath.Join(dir, "podapp")
	copyFile(t, testprog.Build(t, "workload"), app)

	pause := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "sleep", "600")
	if err := pause.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pause.Process.Kill(); pause.Wait() })
	nsInit := childOf(t, pause.Process.Pid)
	inPod := func(args ...string) *exec.Cmd {
		return exec.Command("nsenter", append([]string{"--target", strconv.Itoa(nsInit), "--pid", "--mount", "--"}, args...)...)
	}

	caps, wantCaps := "+sys_ptrace", uint64(1)<<19
	if backendOf(t) == "ebpf" {
		caps, wantCaps = "+bpf,+perfmon", 1<<38|1<<39
	}
	exp := inPod("setpriv", "--bounding-set=-all,"+caps, "--inh-caps=-all,"+caps, "--",
		exporterBin, "--backend="+backendOf(t), "--web.listen-address=127.0.0.1:0", "--match.comm=^podapp$",
		"--discovery.interval="+interval.String(), "--log.level=debug")
	logs := &syncBuffer{}
	exp.Stdout, exp.Stderr = logs, logs
	if err := exp.Start(); err != nil {
		t.Fatal(err)
	}
	expDone := make(chan struct{})
	go func() { exp.Wait(); close(expDone) }()
	exporterPID := childOf(t, exp.Process.Pid)
	t.Cleanup(func() {
		syscall.Kill(exporterPID, syscall.SIGKILL)
		<-expDone
		if t.Failed() {
			t.Logf("exporter log:\n%s", logs)
		}
	})
	var addr string
	eventually(t, 20*time.Second, "exporter listening", func() bool {
		m := listeningRe.FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	if caps := capEff(t, exporterPID); caps != wantCaps {
		t.Fatalf("exporter CapEff %#x, want %#x only", caps, wantCaps)
	}
	if code := httpStatus(t, "http://"+addr+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the app started: %d, want 503", code)
	}
	if code := httpStatus(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", code)
	}

	instance := 0
	startApp := func() (*exec.Cmd, io.WriteCloser, *syncBuffer, chan struct{}) {
		instance++
		cmd := inPod("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
			app, "-w", "-l", "-g", strconv.Itoa(getppids), "-e", "3", "-s", "0", "-f", "-1")
		// The app goes once the log says it is attached, by its PID in the
		// pod (testprog.h: followed).
		goFile := filepath.Join(dir, "go-"+strconv.Itoa(instance))
		os.WriteFile(goFile, nil, 0o644)
		cmd.Env = append(os.Environ(), "TESTPROG_GO="+goFile)
		out := &syncBuffer{}
		cmd.Stdout = out
		stdin, _ := cmd.StdinPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-done })
		eventually(t, 5*time.Second, "app ready", func() bool { return strings.Contains(out.String(), "ready") })
		readyAt := time.Now()
		attached := "msg=attached pid=" + strconv.Itoa(nsPID(t, childOf(t, cmd.Process.Pid))) + " "
		eventually(t, 2*interval+5*time.Second, "app attached", func() bool { return strings.Contains(logs.String(), attached) })
		release(goFile)
		eventually(t, 2*interval+5*time.Second, "app traced and done", func() bool { return strings.Contains(out.String(), "done") })
		if waited := time.Since(readyAt); waited > 2*interval+time.Second {
			t.Errorf("app found after %v, want within 2 discovery intervals (%v)", waited, 2*interval)
		}
		return cmd, stdin, out, done
	}

	first, _, _, firstDone := startApp()
	m := scrape(t, addr)
	for i := 0; i < 4; i++ {
		if got := m.get("syscall_calls_total", "process", "podapp", "thread", "getter-"+strconv.Itoa(i), "syscall", "getppid"); got != getppids {
			t.Errorf("first instance: getter-%d getppid = %v, want %d", i, got, getppids)
		}
	}
	if got := m.get("syscall_errors_total", "process", "podapp", "errno", "ENOENT"); got != 3 {
		t.Errorf("first instance: ENOENT = %v, want 3", got)
	}
	if code := httpStatus(t, "http://"+addr+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz with the app traced: %d, want 200", code)
	}

	// The kubelet restarts a crashed app; the sidecar lives on.
	appPID := childOf(t, first.Process.Pid)
	syscall.Kill(appPID, syscall.SIGKILL)
	<-firstDone
	second, stdin, _, secondDone := startApp()
	m = scrape(t, addr)
	for i := 0; i < 4; i++ {
		if got := m.get("syscall_calls_total", "process", "podapp", "thread", "getter-"+strconv.Itoa(i), "syscall", "getppid"); got != 2*getppids {
			t.Errorf("after restart: getter-%d getppid = %v, want %d", i, got, 2*getppids)
		}
	}
	if got := m.get("syscall_exporter_discovery_scans_total"); got < 2 {
		t.Errorf("discovery_scans_total = %v", got)
	}

	// SIGTERM: the app is detached and runs on.
	appPID = childOf(t, second.Process.Pid)
	syscall.Kill(exporterPID, syscall.SIGTERM)
	select {
	case <-expDone:
	case <-time.After(10 * time.Second):
		t.Fatal("exporter did not exit on SIGTERM")
	}
	states, tracers := testprog.ProcStatus(appPID)
	for tid := range tracers {
		if tracers[tid] != 0 || states[tid] == "t" || states[tid] == "T" {
			t.Errorf("app thread %d after detach: TracerPid %d, state %s", tid, tracers[tid], states[tid])
		}
	}
	stdin.Close()
	select {
	case <-secondDone:
	case <-time.After(10 * time.Second):
		t.Fatal("app did not exit after detach")
	}
	if code := second.ProcessState.ExitCode(); code != 0 {
		t.Errorf("app exit code %d after detach, want 0", code)
	}
}

// nsPID is pid's number in its own PID namespace (the last of NSpid).
func nsPID(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(v)
			n, _ := strconv.Atoi(f[len(f)-1])
			return n
		}
	}
	t.Fatal("no NSpid")
	return 0
}

// childOf waits for pid's first child and returns it.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	var child int
	eventually(t, 5*time.Second, "child of "+strconv.Itoa(pid), func() bool {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return false
		}
		child, _ = strconv.Atoi(f[0])
		return true
	})
	return child
}

func capEff(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n
		}
	}
	t.Fatal("no CapEff")
	return 0
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
