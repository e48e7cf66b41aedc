package backend

import "sync"

// TracedSet is the set of processes a backend follows now, readable from
// any goroutine (discovery asks it every scan). A backend updates it only
// when a process appears or goes, never per syscall.
type TracedSet struct {
	mu   sync.Mutex
	pids map[int32]struct{}
}

// Add records that process pid is followed.
func (s *TracedSet) Add(pid int32) {
	s.mu.Lock()
	if s.pids == nil {
		s.pids = make(map[int32]struct{})
	}
	s.pids[pid] = struct{}{}
	s.mu.Unlock()
}

// Remove records that process pid is no longer followed.
func (s *TracedSet) Remove(pid int32) {
	s.mu.Lock()
	delete(s.pids, pid)
	s.mu.Unlock()
}

// Has reports whether process pid is followed now.
func (s *TracedSet) Has(pid int32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pids[pid]
	return ok
}

// List returns the processes followed now, in no order.
func (s *TracedSet) List() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	pids := make([]int32, 0, len(s.pids))
	for pid := range s.pids {
		pids = append(pids, pid)
	}
	return pids
}
