package decode

// execve(path, argv, envp) and execveat(dirfd, path, argv, envp, flags):
// argv as an array of strings (32 at most, each cut at 32 bytes), envp
// as strace abbreviates it: its address and how many variables it has.
// A successful exec replaces the memory these were in, so they are read
// at the entry stop (NeedsEntry); a failed one can still be read at exit.

// maxEnvCount bounds how many envp words are read to count them.
const maxEnvCount = 1 << 14

// envCount is the segment that holds envp's count: 4 bytes, and a last
// byte that says how the count ended.
const (
	envEnded        = 0 // a NULL ended the array
	envUnterminated = 1 // memory ended first
	envTooMany      = 2 // more than maxEnvCount
)

func capExecAt(i int) func(*Capture, bool) {
	return func(cp *Capture, atEntry bool) {
		if !atEntry && cp.call.Errno == 0 {
			return // exec'd: that memory is gone
		}
		cp.readString(argKey(i), cp.arg(i), PathMax)
		if cp.data() {
			cp.captureArgv(i+1, cp.arg(i+1))
		}
		cp.captureEnvCount(argKey(i+2), cp.arg(i+2))
	}
}

// captureArgv reads up to ArrayLimit+1 pointers and the first ArrayLimit
// strings they point to.
func (cp *Capture) captureArgv(arg int, addr uint64) {
	ws := cp.wordsize()
	key := argKey(arg)
	if cp.find(key) != nil {
		return
	}
	cp.readPrefix(key, addr, (ArrayLimit+1)*ws)
	seg := cp.find(key)
	if seg == nil || seg.state != segOK {
		return
	}
	words := cp.bytes(seg)
	for n := 0; n < ArrayLimit && (n+1)*ws <= len(words); n++ {
		p := loadWord(words[n*ws:], ws)
		if p == 0 {
			return
		}
		cp.readString(elemKey(arg, n), p, StringLimit+1)
	}
}

func loadWord(b []byte, ws int) uint64 {
	if ws == 4 {
		return uint64(le32(b))
	}
	return le64(b)
}

// captureEnvCount counts envp's pointers, reading them in chunks through
// the free part of the buffer, and keeps only the count.
func (cp *Capture) captureEnvCount(key uint16, addr uint64) {
	if addr == 0 || cp.find(key) != nil {
		return
	}
	scratch := cp.room(1024)
	if len(scratch) < 1024 {
		return
	}
	ws := cp.wordsize()
	n, end := 0, envTooMany
	for n < maxEnvCount && end == envTooMany {
		got := cp.mem.ReadMemory(addr+uint64(n*ws), scratch) / ws * ws
		if got == 0 {
			if n == 0 {
				cp.add(key, segFailed, false, 0)
				return
			}
			end = envUnterminated
			break
		}
		for off := 0; off < got; off += ws {
			if loadWord(scratch[off:], ws) == 0 {
				end = envEnded
				break
			}
			n++
		}
	}
	b := cp.room(5)
	b[0], b[1], b[2], b[3], b[4] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24), byte(end)
	cp.add(key, segOK, false, 5)
}

func (f *formatter) argv(arg int) {
	addr := f.arg(arg)
	words := f.seg(argKey(arg))
	if addr == 0 || words == nil {
		f.addr(addr)
		return
	}
	ws := f.ws
	for n := 0; ; n++ {
		if (n+1)*ws > len(words) {
			if n == 0 {
				f.addr(addr)
				return
			}
			if n > ArrayLimit {
				break // not reached: ArrayLimit+1 words are read
			}
			f.s(", ...")
			f.comment("0x" + hex(addr+uint64(n*ws)))
			break
		}
		if n == 0 {
			f.s("[")
		}
		p := f.word(words[n*ws:])
		if p == 0 {
			break
		}
		if n != 0 {
			f.sep()
		}
		if n >= ArrayLimit {
			f.s("...")
			break
		}
		f.cstring(elemKey(arg, n), p)
	}
	f.s("]")
}

func (f *formatter) envCount(arg int) {
	addr := f.arg(arg)
	f.addr(addr)
	b := f.seg(argKey(arg))
	if addr == 0 || b == nil {
		return
	}
	n := le32(b)
	var note []byte
	note = appendUint(note, uint64(n))
	switch {
	case b[4] == envTooMany:
		note = append(note, "+ vars"...)
	case n == 1:
		note = append(note, " var"...)
	default:
		note = append(note, " vars"...)
	}
	if b[4] == envUnterminated {
		note = append(note, ", unterminated"...)
	}
	f.comment(string(note))
}

func fmtExecAt(f *formatter, i int) {
	f.path(i)
	f.sep()
	f.argv(i + 1)
	f.sep()
	f.envCount(i + 2)
}

func fmtExecve(f *formatter) { fmtExecAt(f, 0) }
func fmtExecveat(f *formatter) {
	f.dirfd(0)
	f.sep()
	fmtExecAt(f, 1)
	f.sep()
	f.flags(atFlags, uint64(uint32(f.arg(4))), "AT_???")
}
