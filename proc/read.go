package proc

import (
	"os"
	"syscall"
)

// readSmall reads the file at path into buf and returns what it read. It makes
// three system calls (open, read, close) where os.ReadFile makes six
// (two fstats and a second read): the tracer reads a thread's status and
// names each time a thread or process starts, and the traced program waits
// meanwhile. A file that does not fit in buf is read whole by
// os.ReadFile.
func readSmall(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	n, err := syscall.Read(fd, buf)
	syscall.Close(fd)
	switch {
	case err != nil:
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	case n == len(buf):
		// Full: maybe more. /proc files are generated whole at the first
		// read, so reading again from the start is consistent.
		return os.ReadFile(path)
	}
	return buf[:n], nil
}
