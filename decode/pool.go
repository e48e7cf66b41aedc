package decode

// Pool is a fixed set of Captures, shared by a backend's thread, which
// takes them at stops, and the goroutines that format them, which release
// them. It never grows: when every capture is out, Get says so and the
// caller goes without (and counts it).
type Pool struct {
	free chan *Capture
}

// NewPool makes n captures (about 10.7 KiB each; the kernel backs the
// pages only once they are written).
func NewPool(n int) *Pool {
	p := &Pool{free: make(chan *Capture, n)}
	for range n {
		p.free <- &Capture{pool: p}
	}
	return p
}

// Get returns a free, empty capture, or nil when none is free. It neither
// blocks nor allocates.
func (p *Pool) Get() *Capture {
	select {
	case cp := <-p.free:
		return cp
	default:
		return nil
	}
}

// Free is how many captures are free now.
func (p *Pool) Free() int { return len(p.free) }

// Release empties a capture taken from a Pool and gives it back; a capture
// of no pool is only emptied. Read it no more after.
func (cp *Capture) Release() {
	cp.Reset()
	if cp.pool != nil {
		cp.pool.free <- cp // never blocks: the channel holds every capture
	}
}
