package ptrace

import "sync"

// tracedSet is the set of processes traced now, readable from any
// goroutine (discovery asks it every scan). The tracer updates it only
// when a process appears or goes, never per syscall.
type tracedSet struct {
	mu   sync.Mutex
	pids map[int32]struct{}
}

func (s *tracedSet) add(pid int32) {
	s.mu.Lock()
	if s.pids == nil {
		s.pids = make(map[int32]struct{})
	}
	s.pids[pid] = struct{}{}
	s.mu.Unlock()
}

func (s *tracedSet) remove(pid int32) {
	s.mu.Lock()
	delete(s.pids, pid)
	s.mu.Unlock()
}

func (s *tracedSet) has(pid int32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pids[pid]
	return ok
}

// Traced reports whether the tracer follows process pid now.
func (t *Tracer) Traced(pid int) bool { return t.traced.has(int32(pid)) }
