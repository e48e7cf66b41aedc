package decode

import (
	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// The bounds of what a Capture reads, strace's own.
const (
	// PathMax is how much of a path is read: strace shows up to 4095
	// bytes of it, and "..." when no NUL ends it within 4096.
	PathMax = 4096
	// StringLimit is strace's -s default: data buffers and argv strings
	// show their first 32 bytes, then "...". One more byte is read, as
	// strace does (a read that cannot get it fails the same way).
	StringLimit = 32
	// ArrayLimit is how many elements of an array (iovec, argv) strace
	// shows before "...": the same -s limit.
	ArrayLimit = 32

	// bufSize holds two whole paths (rename, link) and the small things
	// beside them; execve's path, 32 argv pointers and strings fit too.
	bufSize     = 2*PathMax + 2048
	maxSegments = 48
)

type segState uint8

const (
	segOK     segState = 1 + iota
	segFailed          // the read failed: the formatter prints the pointer
)

// segment is one read: the value a key names (an argument, an element of
// an array the argument points to) and where its bytes are in buf.
type segment struct {
	key   uint16
	state segState
	nul   bool // a string that a NUL ended within its limit
	off   uint16
	n     uint16
}

// Capture holds what was read of a tracee's memory for one call: a plain
// value with a fixed buffer, so the tracer can fill one per stop without
// allocating and hand it to the goroutine that formats. The zero value is
// empty (every pointer prints as an address).
type Capture struct {
	arch  syscalls.Arch
	nr    uint32
	entry int64 // Call.Entry of the call whose entry half was read; 0 if none
	mode  Mode
	nseg  uint8
	used  uint16

	// Set only while filling: the call and where to read it.
	call *backend.Call
	mem  Memory
	pool *Pool // where Release returns it; nil for a capture of no pool

	segs [maxSegments]segment
	buf  [bufSize]byte
}

// Reset empties the capture.
func (cp *Capture) Reset() {
	cp.arch, cp.nr, cp.entry, cp.mode, cp.nseg, cp.used = 0, 0, 0, ModeNone, 0, 0
}

// NeedsEntry reports whether the call's text needs a read at its entry
// stop as well: execve and execveat (a successful exec replaces the
// memory their arguments were in) and the calls whose socklen strace
// shows as "[in => out]" (accept, accept4, getsockname, getpeername,
// recvfrom). Without Entry their line shows what the exit stop still has.
func NeedsEntry(c *backend.Call) bool {
	d := lookup(c.Arch, c.Nr)
	return d != nil && d.entry
}

// Entry reads, at the entry stop of c, what only the entry shows; it
// resets the capture first. Call it only where NeedsEntry is true; Exit
// completes the capture. It neither allocates nor blocks.
func (cp *Capture) Entry(c *backend.Call, mem Memory, mode Mode) {
	cp.Reset()
	d := lookup(c.Arch, c.Nr)
	if d == nil || !d.entry || mode == ModeNone {
		return
	}
	cp.arch, cp.nr, cp.entry, cp.mode = c.Arch, c.Nr, c.Entry, mode
	cp.call, cp.mem = c, mem
	d.capture(cp, true)
	cp.call, cp.mem = nil, nil
}

// Exit reads, at the exit stop of c (the tracee still stopped), what the
// call's text needs, keeping what Entry read for the same call. For a
// call that never returned (Exit 0) it reads nothing the call wrote. It
// neither allocates nor blocks: reads are bounded by PathMax for paths,
// StringLimit+1 for data, and fixed sizes for structures.
func (cp *Capture) Exit(c *backend.Call, mem Memory, mode Mode) {
	if cp.entry == 0 || cp.entry != c.Entry || cp.arch != c.Arch || cp.nr != c.Nr {
		cp.Reset()
	}
	cp.arch, cp.nr, cp.mode = c.Arch, c.Nr, mode
	d := lookup(c.Arch, c.Nr)
	if d == nil || d.capture == nil || mode == ModeNone {
		return
	}
	cp.call, cp.mem = c, mem
	d.capture(cp, false)
	cp.call, cp.mem = nil, nil
}

// Mode is the mode the capture was filled in.
func (cp *Capture) Mode() Mode { return cp.mode }

func (cp *Capture) find(key uint16) *segment {
	for i := range cp.segs[:cp.nseg] {
		if cp.segs[i].key == key {
			return &cp.segs[i]
		}
	}
	return nil
}

func (cp *Capture) bytes(s *segment) []byte { return cp.buf[s.off : s.off+s.n] }

// room returns the free buffer, at most n bytes, or nil when a segment
// cannot be added.
func (cp *Capture) room(n int) []byte {
	if int(cp.nseg) == len(cp.segs) {
		return nil
	}
	free := cp.buf[cp.used:]
	if len(free) > n {
		free = free[:n]
	}
	return free
}

func (cp *Capture) add(key uint16, state segState, nul bool, n int) {
	cp.segs[cp.nseg] = segment{key: key, state: state, nul: nul, off: cp.used, n: uint16(n)}
	cp.nseg++
	cp.used += uint16(n)
}

// readString reads a NUL-terminated string of at most limit bytes, as
// strace's umovestr: it fails if memory ends before a NUL; without a NUL
// within limit it keeps all limit bytes, marked unterminated. It reads up
// to the end of the first page, then the rest only if that held no NUL:
// most strings end on their first page, and a shorter read costs less.
func (cp *Capture) readString(key uint16, addr uint64, limit int) {
	if addr == 0 || cp.find(key) != nil {
		return
	}
	p := cp.room(limit)
	if len(p) < limit {
		return // no room: the formatter prints the pointer
	}
	got := 0
	for got < limit {
		chunk := limit - got
		if toPage := int(chunkPage - (addr+uint64(got))%chunkPage); chunk > toPage {
			chunk = toPage
		}
		n := cp.mem.ReadMemory(addr+uint64(got), p[got:got+chunk])
		for i, b := range p[got : got+n] {
			if b == 0 {
				cp.add(key, segOK, true, got+i)
				return
			}
		}
		got += n
		if n < chunk {
			cp.add(key, segFailed, false, 0)
			return
		}
	}
	cp.add(key, segOK, false, limit)
}

// chunkPage is the page size strings are read by: the smallest of the
// arches here (a larger page only means more, shorter reads).
const chunkPage = 4096

// readExact reads n bytes, as strace's umoven: all or failed.
func (cp *Capture) readExact(key uint16, addr uint64, n int) {
	if addr == 0 || cp.find(key) != nil {
		return
	}
	p := cp.room(n)
	if len(p) < n {
		return
	}
	if n == 0 || cp.mem.ReadMemory(addr, p) == n {
		cp.add(key, segOK, false, n)
		return
	}
	cp.add(key, segFailed, false, 0)
}

// readPrefix reads up to n bytes and keeps what it got: arrays strace
// reads element by element, stopping at the first it cannot read.
func (cp *Capture) readPrefix(key uint16, addr uint64, n int) {
	if addr == 0 || cp.find(key) != nil {
		return
	}
	p := cp.room(n)
	if len(p) < n {
		return
	}
	got := cp.mem.ReadMemory(addr, p)
	if got <= 0 {
		cp.add(key, segFailed, false, 0)
		return
	}
	cp.add(key, segOK, false, got)
}

// Keys name what a segment holds: an argument's target, an element of an
// array an argument points to, or a value a decoder keeps at entry.
func argKey(arg int) uint16       { return uint16(arg) }
func elemKey(arg, i int) uint16   { return uint16(0x100*(arg+1) + i) }
func entryKey(arg int) uint16     { return uint16(0x8000 + arg) }
func (cp *Capture) data() bool    { return cp.mode >= ModeAll }
func (cp *Capture) structs() bool { return cp.mode >= ModePaths }
func (cp *Capture) wordsize() int { return wordsize(cp.arch) }
func (cp *Capture) arg(i int) uint64 {
	if cp.wordsize() == 4 {
		return uint64(uint32(cp.call.Args[i]))
	}
	return cp.call.Args[i]
}
