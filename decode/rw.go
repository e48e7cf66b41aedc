package decode

// read, write, pread64, pwrite64 and their vector forms readv, writev:
// the buffer as strace shows it (its first 32 bytes, in mode all; a
// failed read's buffer as a pointer), the count, the offset.

func capWrite(cp *Capture, _ bool) { cp.captureData(argKey(1), cp.arg(1), cp.arg(2)) }

func capRead(cp *Capture, _ bool) {
	if c := cp.call; c.Exit != 0 && c.Errno == 0 {
		cp.captureData(argKey(1), cp.arg(1), readLen(cp.call.Ret, cp.arg(2)))
	}
}

// readLen is how much of a read's buffer holds data: what it returned,
// never more than it asked for.
func readLen(ret int64, count uint64) uint64 {
	if uint64(ret) > count {
		return count
	}
	return uint64(ret)
}

func (f *formatter) readBuf(i int) {
	if f.failed() || !f.returned() {
		f.ptr(i)
		return
	}
	f.data(argKey(i), f.arg(i), uint64(f.c.Ret))
}

func fmtRead(f *formatter) { f.fd(0); f.sep(); f.readBuf(1); f.sep(); f.ulong(2) }
func fmtWrite(f *formatter) {
	f.fd(0)
	f.sep()
	f.data(argKey(1), f.arg(1), f.arg(2))
	f.sep()
	f.ulong(2)
}

func fmtPread(f *formatter)  { fmtRead(f); f.sep(); f.offset64(3) }
func fmtPwrite(f *formatter) { fmtWrite(f); f.sep(); f.offset64(3) }

// offset64 prints a 64-bit offset argument; i386 passes it in two
// registers, low half first.
func (f *formatter) offset64(i int) {
	if f.ws == 4 {
		f.d(int64(uint64(uint32(f.c.Args[i+1]))<<32 | uint64(uint32(f.c.Args[i]))))
		return
	}
	f.long(i)
}

// Vectors: the iovec array (32 elements, then "..."), each element's
// buffer as data: for writev all of it, for readv what the call filled.

const noLimit = ^uint64(0)

func capWritev(cp *Capture, _ bool) { cp.captureIov(1, cp.arg(1), cp.arg(2), noLimit) }

func capReadv(cp *Capture, _ bool) {
	c := cp.call
	if c.Exit == 0 {
		return
	}
	var limit uint64 // a failed readv shows the buffers' addresses
	if c.Errno == 0 {
		limit = uint64(c.Ret)
	}
	cp.captureIov(1, cp.arg(1), cp.arg(2), limit)
}

// captureIov reads the array (in mode paths and up) and, in mode all,
// the data of its first ArrayLimit elements, up to limit bytes in all.
func (cp *Capture) captureIov(arg int, addr, n, limit uint64) {
	if !cp.structs() {
		return
	}
	ws := cp.wordsize()
	if n > ArrayLimit+1 {
		n = ArrayLimit + 1
	}
	key := argKey(arg)
	cp.readPrefix(key, addr, int(n)*2*ws)
	seg := cp.find(key)
	if seg == nil || seg.state != segOK || !cp.data() || limit == 0 {
		return
	}
	arr := cp.bytes(seg)
	for i := 0; i < ArrayLimit && (i+1)*2*ws <= len(arr); i++ {
		base, l := loadWord(arr[i*2*ws:], ws), loadWord(arr[i*2*ws+ws:], ws)
		if l > limit {
			l = limit
		}
		if limit != noLimit {
			limit -= l
		}
		cp.captureData(elemKey(arg, i), base, l)
	}
}

// iov prints an iovec array of n elements; limit is as for captureIov,
// and addrs prints every buffer as its address.
func (f *formatter) iov(arg int, n, limit uint64, addrs bool) {
	addr := f.arg(arg)
	if addr == 0 {
		f.s("NULL")
		return
	}
	if n == 0 {
		f.s("[]")
		return
	}
	elem := uint64(2 * f.ws)
	if n > noLimit/elem || addr+n*elem <= addr {
		f.addr(addr)
		return
	}
	arr := f.seg(argKey(arg))
	if arr == nil {
		f.addr(addr)
		return
	}
	for i := uint64(0); i < n; i++ {
		if i > 0 {
			f.sep()
		}
		if (i+1)*elem > uint64(len(arr)) {
			if i == 0 {
				f.addr(addr)
				return
			}
			f.s("...")
			f.comment("0x" + hex(addr+i*elem))
			break
		}
		if i == 0 {
			f.s("[")
		}
		if i >= ArrayLimit {
			f.s("...")
			break
		}
		base, l := f.word(arr[i*elem:]), f.word(arr[i*elem+uint64(f.ws):])
		shown := l
		if shown > limit {
			shown = limit
		}
		if limit != noLimit {
			limit -= shown
		}
		f.s("{iov_base=")
		if addrs {
			f.addr(base)
		} else {
			f.data(elemKey(arg, int(i)), base, shown)
		}
		f.s(", iov_len=")
		f.u(l)
		f.s("}")
	}
	f.s("]")
}

func fmtWritev(f *formatter) {
	f.fd(0)
	f.sep()
	f.iov(1, f.arg(2), noLimit, false)
	f.sep()
	f.ulong(2)
}

func fmtReadv(f *formatter) {
	f.fd(0)
	f.sep()
	switch {
	case !f.returned():
		f.ptr(1)
	case f.failed():
		f.iov(1, f.arg(2), noLimit, true)
	default:
		f.iov(1, f.arg(2), uint64(f.c.Ret), false)
	}
	f.sep()
	f.ulong(2)
}
