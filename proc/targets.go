package proc

import (
	"os"
	"slices"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

// Targets describes up to maxProcs of the processes pids, by PID, each
// with up to maxThreads threads, as /proc shows them now, and says how
// many it left out. attach tells a thread's attach state from its
// TracerPid. A process gone since is left out.
func (fs FS) Targets(pids []int32, maxProcs, maxThreads int, attach func(tracerPID int32) string) (targets []backend.Target, more int) {
	slices.Sort(pids)
	self := int32(os.Getpid())
	for i, pid := range pids {
		if len(targets) == maxProcs {
			return targets, len(pids) - i
		}
		st, err := fs.Status(pid)
		if err != nil {
			continue // gone since; its exit is on its way to the backend
		}
		tg := backend.Target{PID: int(pid), PPID: int(st.PPid), Name: fs.Comm(pid), Launched: st.PPid == self}
		tids, _ := fs.TaskIDs(pid)
		slices.Sort(tids)
		for _, tid := range tids {
			if len(tg.Threads) == maxThreads {
				tg.MoreThreads++
				continue
			}
			ts, err := fs.ThreadStatus(pid, tid)
			if err != nil {
				continue
			}
			tg.Threads = append(tg.Threads, backend.TargetThread{
				TID: int(tid), Name: fs.ThreadComm(pid, tid), State: ts.State, Attach: attach(ts.TracerPid),
			})
		}
		targets = append(targets, tg)
	}
	return targets, 0
}
