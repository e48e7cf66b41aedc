package exporter

import (
	"sync/atomic"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

// DefaultCaptureArena is how many bytes the compact captures of queued
// spans may take (decode.Capture.WriteCompact): a few thousand calls'
// paths and addresses.
const DefaultCaptureArena = 256 << 10

// captureArena holds the compact captures of the records in the span
// queue: a ring of bytes that the backend's thread fills at its head and
// the span goroutine frees at its tail, in the queue's order. So a
// capture buffer is given back as soon as the call is queued, and a
// backlog of spans costs what their calls read.
type captureArena struct {
	buf  []byte
	head uint64        // the backend's thread only
	tail atomic.Uint64 // written by the span goroutine
}

// put writes cp's compact form at the head, and returns where (a position
// on the ring's unbounded count), its length, and the head before it for
// undo; n is 0 when the ring lacks room.
func (a *captureArena) put(cp *decode.Capture) (at uint64, n int, before uint64) {
	before = a.head
	n = cp.CompactSize()
	size := uint64(len(a.buf))
	if n == 0 || uint64(n) > size {
		return 0, 0, before
	}
	at = a.head
	if pos := at % size; pos+uint64(n) > size {
		at += size - pos // no room before the end: start over at the beginning
	}
	if at+uint64(n)-a.tail.Load() > size {
		return 0, 0, before
	}
	pos := at % size
	cp.WriteCompact(a.buf[pos : pos+uint64(n)])
	a.head = at + uint64(n)
	return at, n, before
}

// undo takes back the last put, whose record was not queued.
func (a *captureArena) undo(before uint64) { a.head = before }

// bytes is the compact capture at at.
func (a *captureArena) bytes(at uint64, n int) []byte {
	pos := at % uint64(len(a.buf))
	return a.buf[pos : pos+uint64(n)]
}

// free gives back everything up to the end of the capture at at: the
// records before it in the queue are done too.
func (a *captureArena) free(at uint64, n int) { a.tail.Store(at + uint64(n)) }
