package collector

import (
	"os"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// feed hands c one call as a per-call backend does: entered, then ended.
// A call without a thread is this test's own.
func feed(c *Collector, s *backend.Call) {
	if s.Thread == nil {
		s.Thread = self()
	}
	c.SyscallEntered(s)
	c.SyscallExited(s)
}

// self is the test's own thread, named "app".
func self() *backend.Thread {
	return &backend.Thread{TID: int32(os.Getpid()), PID: int32(os.Getpid()), Process: "app", Name: "app"}
}
