package ptrace

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Matcher selects processes by name or command line; a process matches if
// any expression does.
type Matcher struct {
	Comm    []*regexp.Regexp
	Cmdline []*regexp.Regexp
}

// Empty reports whether the matcher selects nothing.
func (m *Matcher) Empty() bool { return len(m.Comm) == 0 && len(m.Cmdline) == 0 }

func (m *Matcher) matchComm(comm string) bool {
	for _, re := range m.Comm {
		if re.MatchString(comm) {
			return true
		}
	}
	return false
}

func (m *Matcher) matchCmdline(cmdline string) bool {
	for _, re := range m.Cmdline {
		if re.MatchString(cmdline) {
			return true
		}
	}
	return false
}

// cmdlineText turns /proc/PID/cmdline (NUL-separated) into a
// space-separated line, as ps shows it, for --match.cmdline.
func cmdlineText(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}

// Discovery scans /proc every interval and attaches to every matching
// process not yet traced: the sidecar's way in, since it starts before its
// app and outlives the app's restarts.
type Discovery struct {
	Tracer   *Tracer
	Match    Matcher
	Interval time.Duration
	Logger   *slog.Logger

	Scans atomic.Uint64

	mu        sync.Mutex
	failed    map[procKey]struct{} // matched but could not be traced: not retried
	failedNow atomic.Int64

	lastIdleLog time.Time
}

// procKey tells a reused PID apart by its start time.
type procKey struct {
	pid   int32
	start uint64
}

// Failed is how many matching processes alive at the last scan could not
// be traced.
func (d *Discovery) Failed() int64 { return d.failedNow.Load() }

// Run scans until ctx is done.
func (d *Discovery) Run(ctx context.Context) {
	tick := time.NewTicker(d.Interval)
	defer tick.Stop()
	for {
		d.Scan()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Scan makes one pass over /proc.
func (d *Discovery) Scan() {
	d.Scans.Add(1)
	dir, err := os.Open("/proc")
	if err != nil {
		d.Logger.Error("cannot read /proc", "err", err)
		return
	}
	names, _ := dir.Readdirnames(-1)
	dir.Close()
	self := int32(os.Getpid())
	matched, attached := 0, 0
	alive := make(map[procKey]struct{})
	for _, name := range names {
		n, err := strconv.ParseInt(name, 10, 32)
		if err != nil {
			continue
		}
		pid := int32(n)
		if pid == self {
			continue
		}
		if d.Tracer.Traced(int(pid)) {
			matched++
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue // gone mid-scan: normal
		}
		st, ok := parseStat(b)
		// Our own children (the doorbell, a launched command) and kernel
		// threads are never targets.
		if !ok || st.PPid == self || st.Flags&pfKthread != 0 {
			continue
		}
		if !d.Match.matchComm(st.Comm) {
			if len(d.Match.Cmdline) == 0 {
				continue
			}
			cl, err := os.ReadFile("/proc/" + name + "/cmdline")
			if err != nil || !d.Match.matchCmdline(cmdlineText(cl)) {
				continue
			}
		}
		matched++
		key := procKey{pid, st.StartTime}
		d.mu.Lock()
		_, failedBefore := d.failed[key]
		d.mu.Unlock()
		if failedBefore {
			alive[key] = struct{}{}
			continue
		}
		err = d.Tracer.Attach(int(pid))
		var ae *AttachError
		switch {
		case err == nil:
			attached++
			d.Logger.Info("discovered and attached", "pid", pid, "comm", st.Comm)
		case errors.As(err, &ae) && ae.Reason == ReasonNotFound:
			// exited between the scan and the attach: normal
		default:
			// Said once, not every scan: the same process is not retried.
			d.Logger.Warn(err.Error(), "comm", st.Comm)
			d.mu.Lock()
			if d.failed == nil {
				d.failed = make(map[procKey]struct{})
			}
			d.failed[key] = struct{}{}
			d.mu.Unlock()
			alive[key] = struct{}{}
		}
	}
	d.mu.Lock()
	for k := range d.failed {
		if _, ok := alive[k]; !ok {
			delete(d.failed, k) // gone: a new process with this PID gets a fresh try
		}
	}
	d.failedNow.Store(int64(len(d.failed)))
	d.mu.Unlock()
	if matched == 0 && time.Since(d.lastIdleLog) >= time.Minute {
		d.lastIdleLog = time.Now()
		d.Logger.Info("no process matches yet; still looking", "interval", d.Interval)
	}
}
