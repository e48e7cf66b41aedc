//go:build !amd64 && !arm64

package ptrace

// regsInfo: without PTRACE_GET_SYSCALL_INFO, only amd64 and arm64 are
// decoded from registers.
func (t *Tracer) regsInfo(th *thread, info *syscallInfo) bool { return false }
