package proc

import "github.com/syscall-exporter/syscall_exporter/backend"

// A comm file holds a thread's name: up to 15 bytes of anything but NUL,
// newline-terminated.

// ParseComm returns the name in a comm file's text, made valid
// (backend.ValidName).
func ParseComm(b []byte) string {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return backend.ValidName(string(b))
}

// Comm is the name of process pid (its leader's), or backend.UnknownName
// if it is gone.
func (fs FS) Comm(pid int32) string {
	return fs.readComm(fs.pidPath(pid, "comm"))
}

// ThreadComm is the name of thread tid of process pid, or
// backend.UnknownName if it is gone.
func (fs FS) ThreadComm(pid, tid int32) string {
	return fs.readComm(fs.taskPath(pid, tid, "comm"))
}

func (fs FS) readComm(path string) string {
	var buf [64]byte
	b, err := readSmall(path, buf[:])
	if err != nil {
		return backend.UnknownName
	}
	return ParseComm(b)
}
