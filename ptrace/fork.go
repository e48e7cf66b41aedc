package ptrace

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// The tracer's two children, the doorbell and the launched command before
// its execve, never re-execute this binary: a Go binary's start is
// milliseconds the launched command would wait for (docs/performance.md,
// "The tracer's children"). Such a child may make raw
// system calls only, so the parent prepares everything in a childPlan. On
// amd64 both share our memory, running a few lines of assembly on stacks
// of their own (clone_amd64.s); elsewhere they are
// forked and run forkChild's nosplit, norace tail (fork_other.go), as
// syscall.forkAndExecInChild does.

// childPlan is what a child does. Every pointer is prepared by the
// parent; the child only reads it.
type childPlan struct {
	// Launch: take the command's name, stop until seized and continued,
	// install the filter, execve. Every signal stays blocked: the tracer
	// gives the command its mask back at the exec stop.
	name       *byte
	path       *byte
	argv, envp **byte
	filter     *unix.SockFprog // nil: no filter
	noNewPrivs bool            // required for the filter without CAP_SYS_ADMIN
	execErrs   []execErr       // written to stderr if execve fails, by errno
	filterErr  []byte          // written to stderr if the filter is refused

	// The spawning thread's own mask, restored in the parent once the
	// child exists, and in the command by the tracer at its exec stop.
	oldMask uint64

	childArch // what the arch's child reads besides
}

var allSignals = ^uint64(0)

// What a launch child does when its execve fails: write a line to stderr
// and exit like a shell that found a command but cannot run it. On amd64
// only clone_amd64.s reads them, which unused does not see.
//
//nolint:unused
const (
	stderrFD         = 2
	cannotExecStatus = 126
)

// execErr is the line a launch child writes when execve fails with errno.
type execErr struct {
	errno syscall.Errno
	msg   []byte
}
