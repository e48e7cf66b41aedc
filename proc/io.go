package proc

import "github.com/prometheus/procfs"

// IOCalls is the number of read- and write-family calls process pid has
// made (syscr + syscw of /proc/PID/io), which the kernel counts whether
// the process is traced or not.
func (fs FS) IOCalls(pid int32) (uint64, bool) {
	pfs, err := procfs.NewFS(fs.root)
	if err != nil {
		return 0, false
	}
	p, err := pfs.Proc(int(pid))
	if err != nil {
		return 0, false
	}
	io, err := p.IO()
	if err != nil {
		return 0, false
	}
	return io.SyscR + io.SyscW, true
}
