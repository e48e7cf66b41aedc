package collector

import "github.com/syscall-exporter/syscall_exporter/ptrace"

// feed hands c one call as the tracer does: entered, then ended.
func feed(c *Collector, s *ptrace.Syscall) {
	c.SyscallEntered(s)
	c.Syscall(s)
}
