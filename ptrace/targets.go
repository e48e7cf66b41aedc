package ptrace

import (
	"bytes"
	"os"
	"sort"
	"strconv"
)

// Target is a traced process as /proc shows it now, for people to look at
// (the landing page). Nothing here is read on the tracer thread.
type Target struct {
	PID, PPID int
	Name      string
	// Launched is true for the command the exporter started (our child);
	// the others were attached, discovered, or followed through fork.
	Launched    bool
	Threads     []TargetThread // by TID
	MoreThreads int            // threads left out of Threads
}

// TargetThread is one thread of a Target.
type TargetThread struct {
	TID   int
	Name  string
	State string // as in /proc: "S (sleeping)", "t (tracing stop)"…
	// TracerPID is the thread that ptraces it, as the kernel says (a TID,
	// not a PID); 0 for none.
	TracerPID int
	// TracedByUs is true when TracerPID is a thread of this process.
	TracedByUs bool
}

// AttachState says whether the kernel has the thread traced by us: a
// thread born an instant ago is not yet, nor is one being detached.
func (th *TargetThread) AttachState() string {
	switch {
	case th.TracedByUs:
		return "traced"
	case th.TracerPID == 0:
		return "not traced"
	}
	return "traced by TID " + strconv.Itoa(th.TracerPID)
}

// Targets lists up to maxProcs of the processes traced now, by PID, each
// with up to maxThreads threads, and says how many processes it left out.
// It reads /proc on the caller's goroutine; the set of PIDs is the copy
// the tracer keeps for other goroutines, updated as processes come and go.
func (t *Tracer) Targets(maxProcs, maxThreads int) (targets []Target, more int) {
	t.traced.mu.Lock()
	pids := make([]int, 0, len(t.traced.pids))
	for pid := range t.traced.pids {
		pids = append(pids, int(pid))
	}
	t.traced.mu.Unlock()
	sort.Ints(pids)

	self := os.Getpid()
	ours := map[int]bool{}
	isOurs := func(tid int) bool {
		if tid == 0 {
			return false
		}
		yes, known := ours[tid]
		if !known {
			_, err := os.Stat("/proc/self/task/" + strconv.Itoa(tid))
			yes = err == nil
			ours[tid] = yes
		}
		return yes
	}
	for i, pid := range pids {
		if len(targets) == maxProcs {
			return targets, len(pids) - i
		}
		dir := "/proc/" + strconv.Itoa(pid)
		st, ok := readTargetStatus(dir + "/status")
		if !ok {
			continue // gone since; its exit is on its way to the tracer
		}
		tg := Target{PID: pid, PPID: st.ppid, Name: readCommFile(dir + "/comm"), Launched: st.ppid == self}
		tids, _ := taskIDs(int32(pid))
		sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
		for _, tid := range tids {
			if len(tg.Threads) == maxThreads {
				tg.MoreThreads++
				continue
			}
			task := dir + "/task/" + strconv.Itoa(int(tid))
			ts, ok := readTargetStatus(task + "/status")
			if !ok {
				continue
			}
			tg.Threads = append(tg.Threads, TargetThread{
				TID: int(tid), Name: readCommFile(task + "/comm"), State: ts.state,
				TracerPID: ts.tracerPID, TracedByUs: isOurs(ts.tracerPID),
			})
		}
		targets = append(targets, tg)
	}
	return targets, 0
}

type targetStatus struct {
	state           string
	ppid, tracerPID int
}

// readTargetStatus picks State, PPid and TracerPid out of a status file,
// matching lines by key only, as the Name line may hold anything.
func readTargetStatus(path string) (targetStatus, bool) {
	var st targetStatus
	b, err := os.ReadFile(path)
	if err != nil {
		return st, false
	}
	seen := 0
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		val = bytes.TrimSpace(val)
		switch string(key) {
		case "State":
			st.state = string(val)
			seen++
		case "PPid":
			st.ppid, _ = strconv.Atoi(string(val))
			seen++
		case "TracerPid":
			st.tracerPID, _ = strconv.Atoi(string(val))
			seen++
		}
	}
	return st, seen == 3
}

// readCommFile reads a comm file; a thread gone already reads as "?".
func readCommFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return "?"
	}
	return string(bytes.TrimSuffix(b, []byte{'\n'}))
}
