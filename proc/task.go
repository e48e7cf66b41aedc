package proc

import (
	"os"
	"strconv"
	"syscall"
)

// TaskIDs lists the threads of process pid.
func (fs FS) TaskIDs(pid int32) ([]int32, error) {
	ents, err := os.ReadDir(fs.pidPath(pid, "task"))
	if err != nil {
		return nil, err
	}
	tids := make([]int32, 0, len(ents))
	for _, e := range ents {
		if n, err := strconv.ParseInt(e.Name(), 10, 32); err == nil {
			tids = append(tids, int32(n))
		}
	}
	return tids, nil
}

// HasTask reports whether tid is a thread of process pid: one stat, where
// a status file would make the kernel format fifty lines.
func (fs FS) HasTask(pid, tid int32) bool {
	var st syscall.Stat_t
	return syscall.Stat(fs.root+"/"+strconv.Itoa(int(pid))+"/task/"+strconv.Itoa(int(tid)), &st) == nil
}

// PIDs lists the processes in the tree.
func (fs FS) PIDs() ([]int32, error) {
	dir, err := os.Open(fs.root)
	if err != nil {
		return nil, err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	pids := make([]int32, 0, len(names))
	for _, name := range names {
		if n, err := strconv.ParseInt(name, 10, 32); err == nil {
			pids = append(pids, int32(n))
		}
	}
	return pids, err
}
