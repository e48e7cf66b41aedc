package ptrace

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// launch starts a command traced. The helper (this binary re-executed)
// stops itself; once seized with EXITKILL we continue it and it execs the
// command, whose execve is the first call counted.
func (t *Tracer) launch(path string, argv, env []string) error {
	if t.launchPid != 0 {
		return fmt.Errorf("a command is already launched")
	}
	args := append([]string{os.Args[0], path}, argv...)
	helperEnvs := []string{helperEnv + "=" + helperLaunch}
	opts := baseOptions | unix.PTRACE_O_EXITKILL
	if t.filtered {
		helperEnvs = append(helperEnvs, seccompEnv+"="+seccompSpec(t.cfg.Filter))
		opts |= unix.PTRACE_O_TRACESECCOMP
	}
	pid, err := syscall.ForkExec("/proc/self/exe", args, &syscall.ProcAttr{
		Env:   append(append([]string{}, env...), helperEnvs...),
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		return fmt.Errorf("start %s: %w", path, err)
	}
	var ws unix.WaitStatus
	for {
		_, err = unix.Wait4(pid, &ws, unix.WALL|unix.WUNTRACED, nil)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil || !ws.Stopped() {
		return fmt.Errorf("start %s: helper did not stop (status %v, %v)", path, ws, err)
	}
	if err := seize(int32(pid), opts); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("trace %s: PTRACE_SEIZE: %w", path, err)
	}
	th := t.newThread(int32(pid), nil)
	th.counting = false
	th.seccomp = t.filtered
	th.proc.seccomp = t.filtered
	t.launchPid = int32(pid)
	unix.Kill(pid, unix.SIGCONT)
	return nil
}
