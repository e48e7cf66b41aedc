package ebpf

import "github.com/syscall-exporter/syscall_exporter/backend"

// apply follows one event of the programs. The names come with it, as
// the kernel had them: a new thread has its maker's name, a renamed one
// the name the tracepoint carries, an exec'd one its program's.
func (t *Tracer) apply(e *tracerEvent) {
	tab := &t.tab
	if e.NewLid < userLidBase && e.NewLid > tab.maxLid {
		tab.maxLid = e.NewLid
	}
	comm := backend.ValidName(commString(&e.Comm))
	leader := comm
	if e.Tid != e.Pid {
		leader = backend.ValidName(commString(&e.LeaderComm))
	}
	switch e.Type {
	case eventNew:
		th := &thread{Thread: backend.Thread{TID: e.Tid, PID: e.Pid, Process: leader, Name: comm}}
		if e.Flags&eventLaunched != 0 {
			// Until its execve it carries our name; ptrace names it after
			// the program already (launchState.name).
			th.Process, th.Name = t.cmd.name, t.cmd.name
		}
		t.start(th, e.NewLid)
	case eventRename, eventExec:
		l := tab.byLid[e.Lid]
		if l == nil || l.th == nil {
			return
		}
		th := l.th
		if th.TID != e.Tid {
			// A thread that exec'd takes over its leader's TID; the
			// leader's exit came first.
			if tab.byTID[th.TID] == th {
				delete(tab.byTID, th.TID)
			}
			if other := tab.byTID[e.Tid]; other != nil {
				t.exited(other)
			}
			th.TID = e.Tid
			tab.byTID[th.TID] = th
		}
		th.Process, th.Name = leader, comm
		t.relabel(th, e.NewLid)
		if e.Type == eventRename && th.TID == th.PID {
			// The process is named after its leader: every thread of it
			// is renamed.
			for _, other := range tab.byTID {
				if other.PID == th.PID && other != th {
					other.Process = comm
					t.reslot(other)
				}
			}
		}
	case eventExit:
		if l := tab.byLid[e.Lid]; l != nil && l.th != nil {
			t.exited(l.th)
		}
	}
}
