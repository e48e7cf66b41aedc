// Package discovery finds the processes to trace by name or command line,
// scanning /proc, for any backend: the sidecar's way in, since it starts
// before its app and outlives the app's restarts.
package discovery

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/proc"
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

// Tracer is what discovery needs of a backend.
type Tracer interface {
	// Attach follows process pid; the error is a *backend.AttachError.
	Attach(pid int) error
	// Traced reports whether process pid is followed now.
	Traced(pid int) bool
}

// Discovery scans /proc every interval and attaches to every matching
// process not yet traced.
type Discovery struct {
	Tracer   Tracer
	Match    Matcher
	Interval time.Duration
	Logger   *slog.Logger
	// Proc is the /proc to scan; the zero FS means proc.Default.
	Proc proc.FS

	Scans atomic.Uint64 // scans made

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
	fs := d.Proc
	if fs.Root() == "" {
		fs = proc.Default
	}
	pids, err := fs.PIDs()
	if err != nil {
		d.Logger.Error("cannot read "+fs.Root(), "err", err)
		return
	}
	self := int32(os.Getpid())
	matched, attached := 0, 0
	alive := make(map[procKey]struct{})
	for _, pid := range pids {
		if pid == self {
			continue
		}
		if d.Tracer.Traced(int(pid)) {
			matched++
			continue
		}
		st, err := fs.Stat(pid)
		// Gone mid-scan (normal), our own children (the doorbell, a
		// launched command) and kernel threads are never targets.
		if err != nil || st.PPid == self || st.Flags&proc.PFKthread != 0 {
			continue
		}
		if !d.Match.matchComm(st.Comm) {
			if len(d.Match.Cmdline) == 0 {
				continue
			}
			line, ok := fs.CmdlineText(pid)
			if !ok || !d.Match.matchCmdline(line) {
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
		var ae *backend.AttachError
		switch {
		case err == nil:
			attached++
			d.Logger.Info("discovered and attached", "pid", pid, "comm", st.Comm)
		case errors.As(err, &ae) && ae.Reason == backend.ReasonNotFound:
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

// ScanCount is how many scans Discovery made.
func (d *Discovery) ScanCount() uint64 { return d.Scans.Load() }
