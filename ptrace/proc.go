package ptrace

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/internal/procfile"
)

// procStatus holds the fields of /proc/PID/status the tracer needs.
type procStatus struct {
	Tgid      int32
	PPid      int32
	TracerPid int32
	State     byte
}

// parseStatus reads the fields we need from the text of /proc/PID/status.
// The Name line can hold any byte but newline, so lines are matched by
// their key only.
func parseStatus(b []byte) (procStatus, bool) {
	var st procStatus
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
				st.State = val[0]
				seen++
			}
		case "Tgid":
			if n, err := strconv.ParseInt(string(val), 10, 32); err == nil {
				st.Tgid = int32(n)
				seen++
			}
		case "PPid":
			if n, err := strconv.ParseInt(string(val), 10, 32); err == nil {
				st.PPid = int32(n)
				seen++
			}
		case "TracerPid":
			if n, err := strconv.ParseInt(string(val), 10, 32); err == nil {
				st.TracerPid = int32(n)
				seen++
			}
		}
	}
	return st, seen == 4
}

func readStatus(tid int32) (procStatus, error) {
	var buf [4096]byte
	b, err := procfile.Read("/proc/"+strconv.Itoa(int(tid))+"/status", buf[:])
	if err != nil {
		return procStatus{}, err
	}
	st, ok := parseStatus(b)
	if !ok {
		return st, errMalformedStatus
	}
	return st, nil
}

// taskIDs lists the threads of a process.
func taskIDs(pid int32) ([]int32, error) {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(int(pid)) + "/task")
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

// commTarget returns the thread whose comm a /proc path names, as in
// /proc/PID/comm, /proc/PID/task/TID/comm or /proc/self/... resolved by
// readlink to the numeric form.
func commTarget(path string) (int32, bool) {
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

// origin is how the tracer came to follow a thread, which decides what it
// must ask /proc about it.
type origin int

const (
	found    origin = iota // attached, or its first stop came before its creator's event
	forked                 // a fork or vfork event: a new process, its own leader
	cloned                 // a clone event: mostly a thread of its creator's process
	launched               // our own child, seized before it ran
)

func originOf(event int) origin {
	if event == unix.PTRACE_EVENT_CLONE {
		return cloned
	}
	return forked
}

// statusOf is what newThread needs to know of tid. /proc/TID/status has it
// all, but the kernel formats some fifty lines for it: 25 µs of every fork
// of a traced shell (perf). A thread announced by an event is mostly known
// without it.
func (t *Tracer) statusOf(tid int32, parent *thread, how origin) (procStatus, error) {
	switch how {
	case launched:
		return procStatus{Tgid: tid, TracerPid: t.tid}, nil
	case forked:
		if !ourTracee(tid) {
			return procStatus{}, unix.ESRCH
		}
		return procStatus{Tgid: tid, TracerPid: t.tid}, nil
	case cloned:
		// A clone without CLONE_THREAD makes a process; that, and a thread
		// gone already, take the slow way.
		var st unix.Stat_t
		if unix.Stat("/proc/"+strconv.Itoa(int(parent.proc.pid))+"/task/"+strconv.Itoa(int(tid)), &st) == nil {
			return procStatus{Tgid: parent.proc.pid, TracerPid: t.tid}, nil
		}
	}
	return readStatus(tid)
}

// ourTracee tells whether tid is a tracee of the calling thread that
// wait4 has not reaped yet, without reaping it or taking its stop.
func ourTracee(tid int32) bool {
	var info unix.Siginfo
	return unix.Waitid(unix.P_PID, int(tid), &info, unix.WNOHANG|unix.WNOWAIT|unix.WEXITED|unix.WSTOPPED|unix.WALL|unix.WNOTHREAD, nil) == nil
}
