package proc

import (
	"bytes"
	"strconv"
)

// Stat holds the fields of /proc/PID/stat that discovery needs.
type Stat struct {
	Comm      string
	PPid      int32
	Flags     uint64
	StartTime uint64 // clock ticks since boot: tells a reused PID apart
}

// PFKthread is PF_KTHREAD in Stat.Flags: a kernel thread
// (include/linux/sched.h).
const PFKthread = 0x00200000

// ParseStat parses a stat file. comm is in parentheses and may itself hold
// ')' or spaces, so the fields start after the last ')'.
func ParseStat(b []byte) (Stat, bool) {
	var st Stat
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return st, false
	}
	st.Comm = string(b[open+1 : end])
	fields := bytes.Fields(b[end+1:])
	// fields[0] is state (field 3); ppid is field 4, flags 9, starttime 22.
	if len(fields) < 20 {
		return st, false
	}
	ppid, err1 := strconv.ParseInt(string(fields[1]), 10, 32)
	flags, err2 := strconv.ParseUint(string(fields[6]), 10, 64)
	start, err3 := strconv.ParseUint(string(fields[19]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return st, false
	}
	st.PPid, st.Flags, st.StartTime = int32(ppid), flags, start
	return st, true
}

// Stat reads /proc/PID/stat.
func (fs FS) Stat(pid int32) (Stat, error) {
	var buf [1024]byte
	b, err := readSmall(fs.pidPath(pid, "stat"), buf[:])
	if err != nil {
		return Stat{}, err
	}
	st, ok := ParseStat(b)
	if !ok {
		return st, ErrMalformed
	}
	return st, nil
}
