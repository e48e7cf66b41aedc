package decode

// getdents64(fd, dirp, count) and getdents: strace abbreviates the
// entries to their number, "0x... /* 992 entries */". Counting walks the
// records the call filled (up to getdentsMax bytes), reading them in
// chunks through the free part of the buffer; only the count is kept.

const getdentsMax = 1 << 20

// direntLayout: where a record's d_reclen is and how long its header is
// (the name follows).
func direntLayout(dirent64 bool, ws int) (reclen, header int) {
	if dirent64 {
		return 16, 19
	}
	return 2 * ws, 2*ws + 2
}

func capGetdentsAs(dirent64 bool) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		c := cp.call
		if !cp.structs() || c.Exit == 0 || c.Errno != 0 || uint64(c.Ret) > uint64(uint32(cp.arg(2))) {
			return
		}
		cp.countDirents(cp.arg(1), uint64(c.Ret), dirent64)
	}
}

func (cp *Capture) countDirents(addr, left uint64, dirent64 bool) {
	key := argKey(1)
	scratch := cp.room(4096)
	if len(scratch) < 1024 || cp.find(key) != nil {
		return
	}
	recOff, header := direntLayout(dirent64, cp.wordsize())
	count, read := uint32(0), uint64(0)
	for left >= uint64(header) && read < getdentsMax {
		want := left
		if want > uint64(len(scratch)) {
			want = uint64(len(scratch))
		}
		n := cp.mem.ReadMemory(addr, scratch[:want])
		read += uint64(n)
		pos := 0
		for pos+header <= n && left >= uint64(header) {
			reclen := uint64(le16(scratch[pos+recOff:]))
			count++
			switch {
			case reclen > left:
				reclen = left
			case reclen < uint64(header):
				reclen = uint64(header)
			}
			left -= reclen
			addr += reclen
			pos += int(reclen)
		}
		if pos == 0 {
			break // memory ended inside a header
		}
	}
	b := cp.room(5)
	more := byte(0)
	if left > 0 {
		more = 1
	}
	b[0], b[1], b[2], b[3], b[4] = byte(count), byte(count>>8), byte(count>>16), byte(count>>24), more
	cp.add(key, segOK, false, 5)
}

func fmtGetdents(f *formatter) {
	f.fd(0)
	f.sep()
	f.ptr(1)
	if b := f.out(argKey(1)); b != nil {
		note := appendUint(nil, uint64(le32(b)))
		if b[4] != 0 {
			note = append(note, '+')
		}
		f.comment(string(append(note, " entries"...)))
	}
	f.sep()
	f.uint(2)
}
