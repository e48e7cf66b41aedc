package backend

import "syscall"

// Backend follows targets and feeds a Consumer. cmd drives it; every
// method is safe to call from any goroutine.
type Backend interface {
	// Start readies the backend; it returns once requests can be served,
	// or why it cannot trace here.
	Start() error
	// Attach follows every thread of pid, and the threads and processes
	// they make. The error is an *AttachError.
	Attach(pid int) error
	// Launch starts argv[0] (already resolved to path), followed from its
	// execve on; it dies with the exporter.
	Launch(path string, argv, env []string) error
	// SignalLaunched forwards sig to the launched command.
	SignalLaunched(sig syscall.Signal) error
	// DetachAll lets every target go, untouched, and stops the backend.
	DetachAll() error
	// Done is closed once the backend has stopped: the launched command
	// and its descendants have exited, or DetachAll finished.
	Done() <-chan struct{}
	// LaunchStatus is the launched command's wait status, valid after Done.
	LaunchStatus() syscall.WaitStatus

	// Traced reports whether process pid is followed now.
	Traced(pid int) bool
	// Targets lists up to maxProcs of the processes followed now, by PID,
	// each with up to maxThreads threads, and how many it left out.
	Targets(maxProcs, maxThreads int) (targets []Target, more int)
	// CommandArgs is process pid's argv as the kernel shows it now, or nil.
	CommandArgs(pid int32) []string
	// Stats are the backend's own counters.
	Stats() *Stats
}
