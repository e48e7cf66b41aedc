package ebpf

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
)

type thread struct {
	backend.Thread
	lid  uint32
	slot backend.Slot
}

// label is what one label id counts for: the thread and the slot of the
// names it had while it held the id.
type label struct {
	th   *thread
	slot backend.Slot
	// name is the thread as it was named under this id, for the
	// consumer's ThreadExited once the id is read for the last time.
	name backend.Thread
}

// threadTable is every thread the tracer follows, by TID and by label
// id. It is guarded by Tracer.mu, but traced, which any goroutine may
// read.
type threadTable struct {
	byTID map[int32]*thread
	byLid map[uint32]*label
	procs map[int32]int // threads per process
	// pidfds are the attached leaders' pidfds, closed when they exit.
	pidfds map[int32]int
	traced backend.TracedSet
	// retired label ids: the thread was renamed or exited; their counts
	// are read once more, then they go (countReader.finish).
	retired []uint32
	// maxLid is the highest label id the programs announced: a count of
	// an unknown id below it belongs to no thread (it raced the thread's
	// end), one above is of a thread whose event is still to come.
	maxLid uint32
	// nextUserLid numbers the ids userspace gives attached leaders, from
	// the top, where the programs' never reach.
	nextUserLid uint32
}

const userLidBase = 1 << 31

func (tab *threadTable) init() {
	tab.byTID = make(map[int32]*thread)
	tab.byLid = make(map[uint32]*label)
	tab.procs = make(map[int32]int)
	tab.pidfds = make(map[int32]int)
	tab.nextUserLid = userLidBase
}

func (tab *threadTable) userLid() uint32 {
	tab.nextUserLid++
	return tab.nextUserLid
}

// start follows a new thread under label id lid.
func (t *Tracer) start(th *thread, lid uint32) {
	tab := &t.tab
	if old := tab.byTID[th.TID]; old != nil {
		t.exited(old) // its exit event was lost
	}
	th.lid = lid
	th.slot = t.cfg.Consumer.ThreadStarted(&th.Thread)
	tab.byLid[lid] = &label{th: th, slot: th.slot}
	tab.byTID[th.TID] = th
	if tab.procs[th.PID] == 0 {
		tab.traced.Add(th.PID)
		t.stats.Targets.Add(1)
	}
	tab.procs[th.PID]++
	t.stats.Tracees.Add(1)
}

// relabel gives th a new label id after its names changed. The old id
// keeps the old slot until its counts are read.
func (t *Tracer) relabel(th *thread, lid uint32) {
	tab := &t.tab
	t.retire(th.lid, th)
	th.lid = lid
	th.slot = t.cfg.Consumer.ThreadStarted(&th.Thread)
	tab.byLid[lid] = &label{th: th, slot: th.slot}
}

// reslot moves th's current id to a new slot (its process was renamed).
func (t *Tracer) reslot(th *thread) {
	l := t.tab.byLid[th.lid]
	th.slot = t.cfg.Consumer.ThreadRenamed(&th.Thread, th.slot)
	if l != nil {
		l.slot = th.slot
	}
}

func (t *Tracer) retire(lid uint32, th *thread) {
	if l := t.tab.byLid[lid]; l != nil {
		l.name = th.Thread
		l.th = nil
		t.tab.retired = append(t.tab.retired, lid)
	}
}

// exited stops following th.
func (t *Tracer) exited(th *thread) {
	tab := &t.tab
	t.retire(th.lid, th)
	if tab.byTID[th.TID] == th {
		delete(tab.byTID, th.TID)
	}
	if fd, ok := tab.pidfds[th.TID]; ok && th.TID == th.PID {
		unix.Close(fd)
		delete(tab.pidfds, th.TID)
	}
	t.stats.Tracees.Add(-1)
	if tab.procs[th.PID]--; tab.procs[th.PID] <= 0 {
		delete(tab.procs, th.PID)
		tab.traced.Remove(th.PID)
		t.stats.Targets.Add(-1)
	}
}

// dropAll forgets every thread at the end.
func (tab *threadTable) dropAll(t *Tracer) {
	for _, th := range tab.byTID {
		t.exited(th)
	}
	t.read.finish(t)
}
