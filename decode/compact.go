package decode

import (
	"encoding/binary"

	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// A capture's compact form holds only what was read: a header, the
// segments and the bytes they use. A queue of them costs what the calls
// read (tens of bytes for most), where a queue of Captures costs 10.7 KiB
// a call; so a capture need not be held while its span waits its turn.
const (
	compactHeader  = 20 // arch, nr, entry, mode, nseg, used
	compactSegment = 8  // key, state, nul, off, n
)

// CompactSize is how many bytes WriteCompact writes for cp.
func (cp *Capture) CompactSize() int {
	return compactHeader + compactSegment*int(cp.nseg) + int(cp.used)
}

// WriteCompact writes cp's compact form into p and returns its length, or
// 0 if p is shorter than CompactSize. It neither allocates nor blocks.
func (cp *Capture) WriteCompact(p []byte) int {
	n := cp.CompactSize()
	if len(p) < n {
		return 0
	}
	le := binary.LittleEndian
	le.PutUint32(p[0:], uint32(cp.arch))
	le.PutUint32(p[4:], cp.nr)
	le.PutUint64(p[8:], uint64(cp.entry))
	p[16], p[17] = byte(cp.mode), cp.nseg
	le.PutUint16(p[18:], cp.used)
	o := compactHeader
	for _, s := range cp.segs[:cp.nseg] {
		le.PutUint16(p[o:], s.key)
		p[o+2] = byte(s.state)
		p[o+3] = 0
		if s.nul {
			p[o+3] = 1
		}
		le.PutUint16(p[o+4:], s.off)
		le.PutUint16(p[o+6:], s.n)
		o += compactSegment
	}
	copy(p[o:], cp.buf[:cp.used])
	return n
}

// ReadCompact makes cp the capture whose compact form is p, and reports
// whether p was one; on false cp is empty. It does not allocate.
func (cp *Capture) ReadCompact(p []byte) bool {
	cp.Reset()
	if len(p) < compactHeader {
		return false
	}
	le := binary.LittleEndian
	nseg, used := int(p[17]), int(le.Uint16(p[18:]))
	if nseg > maxSegments || used > bufSize || len(p) != compactHeader+compactSegment*nseg+used {
		return false
	}
	o := compactHeader
	for i := range nseg {
		s := segment{key: le.Uint16(p[o:]), state: segState(p[o+2]), nul: p[o+3] == 1,
			off: le.Uint16(p[o+4:]), n: le.Uint16(p[o+6:])}
		if int(s.off)+int(s.n) > used {
			cp.Reset()
			return false
		}
		cp.segs[i] = s
		o += compactSegment
	}
	copy(cp.buf[:], p[o:])
	cp.arch, cp.nr, cp.entry = syscalls.Arch(le.Uint32(p[0:])), le.Uint32(p[4:]), int64(le.Uint64(p[8:]))
	cp.mode, cp.nseg, cp.used = Mode(p[16]), uint8(nseg), uint16(used)
	return true
}
