package proc

import (
	"bytes"
	"errors"
	"strconv"
)

// Status holds the fields of /proc/PID/status the exporter needs.
type Status struct {
	Tgid      int32
	PPid      int32
	TracerPid int32 // the thread that ptraces this one, 0 for none
	// State is the kernel's text, "S (sleeping)" or "t (tracing stop)";
	// its first byte is the letter.
	State string
}

// ErrMalformed is returned for a file without the fields its parser needs.
var ErrMalformed = errors.New("malformed /proc file")

// ParseStatus reads the fields of Status from the text of a status file.
// The Name line can hold any byte but newline (escaped), so lines are
// matched by their key only.
func ParseStatus(b []byte) (Status, bool) {
	var st Status
	var seen int
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		val = bytes.TrimSpace(val)
		switch string(key) {
		case "State":
			if len(val) > 0 {
				st.State = string(val)
				seen++
			}
		case "Tgid":
			seen += parseInt32(val, &st.Tgid)
		case "PPid":
			seen += parseInt32(val, &st.PPid)
		case "TracerPid":
			seen += parseInt32(val, &st.TracerPid)
		}
	}
	return st, seen == 4
}

// parseInt32 stores a decimal in *v and returns 1, or 0 if it is none.
func parseInt32(b []byte, v *int32) int {
	n, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return 0
	}
	*v = int32(n)
	return 1
}

// Status reads /proc/TID/status: any thread's, by its TID alone.
func (fs FS) Status(tid int32) (Status, error) {
	var buf [4096]byte
	b, err := readSmall(fs.pidPath(tid, "status"), buf[:])
	if err != nil {
		return Status{}, err
	}
	st, ok := ParseStatus(b)
	if !ok {
		return st, ErrMalformed
	}
	return st, nil
}

// ThreadStatus reads /proc/PID/task/TID/status.
func (fs FS) ThreadStatus(pid, tid int32) (Status, error) {
	var buf [4096]byte
	b, err := readSmall(fs.taskPath(pid, tid, "status"), buf[:])
	if err != nil {
		return Status{}, err
	}
	st, ok := ParseStatus(b)
	if !ok {
		return st, ErrMalformed
	}
	return st, nil
}
