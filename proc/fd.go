package proc

import (
	"os"
	"strconv"
)

// FDTarget is what descriptor fd of thread tid names, as readlink of
// /proc/TID/fd/FD shows it; ok is false if it is gone or longer than a
// /proc path.
func (fs FS) FDTarget(tid int32, fd int64) (string, bool) {
	target, err := os.Readlink(fs.root + "/" + strconv.Itoa(int(tid)) + "/fd/" + strconv.FormatInt(fd, 10))
	if err != nil || len(target) > 128 {
		return "", false
	}
	return target, true
}

// CommFileThread returns the thread whose comm a /proc path names, as in
// /proc/PID/comm, /proc/PID/task/TID/comm, or /proc/self/... as readlink
// resolves it to the numeric form.
func CommFileThread(path string) (int32, bool) {
	const suffix = "/comm"
	if len(path) < len(suffix) || path[len(path)-len(suffix):] != suffix {
		return 0, false
	}
	rest := path[:len(path)-len(suffix)]
	i := len(rest) - 1
	for i >= 0 && rest[i] >= '0' && rest[i] <= '9' {
		i--
	}
	if i < 0 || rest[i] != '/' || i == len(rest)-1 {
		return 0, false
	}
	n, err := strconv.ParseInt(rest[i+1:], 10, 32)
	if err != nil {
		return 0, false
	}
	if len(rest) < 6 || rest[:6] != "/proc/" {
		return 0, false
	}
	return int32(n), true
}
