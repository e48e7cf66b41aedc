package ptrace

import (
	"fmt"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// launchState is the command the tracer launched, if any.
type launchState struct {
	pid    int32  // 0: none launched
	name   string // its name until its execve (commOfPath)
	status unix.WaitStatus
	done   bool       // it has exited; status holds how
	plan   *childPlan // until its execve: the child may share our memory
}

// launch starts a command traced. The child (see fork.go) takes the
// command's name and stops itself; once seized with EXITKILL we continue
// it, it installs the filter and execs the command, whose execve is the
// first call counted; at the exec stop we give it our signal mask.
func (t *Tracer) launch(path string, argv, env []string) error {
	if t.cmd.pid != 0 {
		return fmt.Errorf("a command is already launched")
	}
	plan, err := t.launchPlan(path, argv, env)
	if err != nil {
		return fmt.Errorf("start %s: %w", path, err)
	}
	opts := baseOptions | unix.PTRACE_O_EXITKILL
	if t.sel.on {
		opts |= unix.PTRACE_O_TRACESECCOMP
	}
	pid, errno := spawnLaunch(plan)
	if errno != 0 {
		return fmt.Errorf("start %s: %w", path, errno)
	}
	var ws unix.WaitStatus
	for {
		_, err = unix.Wait4(pid, &ws, unix.WALL|unix.WUNTRACED, nil)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil || !ws.Stopped() {
		return fmt.Errorf("start %s: the child did not stop (status %v, %v)", path, ws, err)
	}
	if err := seize(int32(pid), opts); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("trace %s: PTRACE_SEIZE: %w", path, err)
	}
	t.cmd.name = unix.BytePtrToString(plan.name)
	th := t.newThread(int32(pid), nil, launched)
	th.counting = false
	th.seccomp = t.sel.on
	th.proc.seccomp = t.sel.on
	t.cmd.pid = int32(pid)
	t.cmd.plan = plan // the child may share our memory until its execve
	unix.Kill(pid, unix.SIGCONT)
	return nil
}

// launchExeced runs at every exec stop: at the launched command's own,
// the command starts with the mask we had; its child blocked every
// signal until now.
func (t *Tracer) launchExeced(th *thread) {
	if p := t.cmd.plan; p != nil && th.TID == t.cmd.pid {
		if err := setSigmask(th.TID, p.oldMask); err != nil && err != unix.ESRCH {
			t.log.Warn("cannot restore the launched command's signal mask", "err", err)
		}
		t.cmd.plan = nil
	}
}

// launchPlan prepares, in the parent, everything the launch child needs
// between its start and its execve.
func (t *Tracer) launchPlan(path string, argv, env []string) (*childPlan, error) {
	p := &childPlan{name: commOfPath(path)}
	var err error
	if p.path, err = syscall.BytePtrFromString(path); err != nil {
		return nil, err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return nil, err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return nil, err
	}
	p.argv, p.envp = &argvp[0], &envp[0]
	// The child cannot format an error; it picks one of these lines.
	p.execErrs = []execErr{{msg: []byte("syscall_exporter: cannot run " + path + ": execve failed\n")}}
	for _, e := range []syscall.Errno{unix.EACCES, unix.ENOEXEC, unix.ENOENT, unix.ENOTDIR, unix.ELOOP, unix.ENAMETOOLONG,
		unix.E2BIG, unix.ENOMEM, unix.ETXTBSY, unix.EPERM, unix.EISDIR, unix.ELIBBAD, unix.EMFILE, unix.EINVAL} {
		p.execErrs = append(p.execErrs, execErr{errno: e, msg: []byte("syscall_exporter: cannot run " + path + ": " + e.Error() + "\n")})
	}
	if t.cfg.Filter != nil {
		prog, err := seccompProgram(t.cfg.Filter)
		if err != nil {
			return nil, err
		}
		p.filter = &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
		// Without CAP_SYS_ADMIN the kernel demands no_new_privs, which also
		// stops set-user-ID programs from gaining privileges in the
		// command: said in the docs, and avoided when we can.
		p.noNewPrivs = !unprivilegedSeccompFeature.available(t.log, hasCapSysAdmin)
		p.filterErr = []byte("syscall_exporter: cannot filter the syscalls of " + path + " (seccomp refused)\n")
	}
	return p, nil
}

// commOfPath is the comm the kernel gives a program at execve: its base
// name, cut to 15 bytes, NUL-terminated.
func commOfPath(path string) *byte {
	name := []byte(filepath.Base(path))
	if len(name) > commLen {
		name = name[:commLen]
	}
	return &append(name, 0)[0]
}
