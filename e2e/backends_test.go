package e2e

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// The exact-count tests run on both backends: eachBackend runs a test
// once as subtest "ptrace" and once as "ebpf", and startExporter gives
// the exporter the backend its test runs on.
var backends = []string{"ptrace", "ebpf"}

func eachBackend(t *testing.T, test func(t *testing.T)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			if b == "ebpf" {
				testprog.RequireBPF(t)
			}
			test(t)
		})
	}
}

// backendOf is the backend a test runs on: the one its eachBackend
// subtest names, else the default.
func backendOf(t *testing.T) string {
	for _, part := range strings.Split(t.Name(), "/") {
		if part == "ebpf" {
			return "ebpf"
		}
	}
	return "ptrace"
}

// A test program started with programEnv waits for a file of its own
// (testprog.h: followed) rather than for a TracerPid: one shows at
// PTRACE_SEIZE, a moment before ptrace's first stop, and an eBPF tracer
// leaves none. The file is written once an exporter's log says it has
// attached the program's PID.
var programGo sync.Map // PID → the file its program waits for

// programEnv is the environment of a test program, with a fresh file to
// wait for; track registers the started program under its PID.
func programEnv(t *testing.T) (env []string, track func(pid int)) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "go-")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	path := f.Name()
	return append(os.Environ(), "TESTPROG_GO="+path), func(pid int) {
		programGo.Store(pid, path)
		t.Cleanup(func() { programGo.Delete(pid) })
	}
}

// release lets a program waiting on path go.
func release(path string) { os.WriteFile(path, []byte("1"), 0o644) }

var attachedRe = regexp.MustCompile(`msg=attached pid=(\d+) `)

// releaseAttached lets go every program the exporter's log, from offset
// from on, says is attached, and returns how far it has read.
func releaseAttached(log string, from int) int {
	end := strings.LastIndexByte(log, '\n') + 1
	if end <= from {
		return from
	}
	for _, m := range attachedRe.FindAllStringSubmatch(log[from:end], -1) {
		pid, _ := strconv.Atoi(m[1])
		if path, ok := programGo.LoadAndDelete(pid); ok {
			release(path.(string))
		}
	}
	return end
}

// followAttaches releases, for as long as e runs, the programs it
// attaches; the ones attached so far are released before it returns.
func (e *exporter) followAttaches() {
	read := releaseAttached(e.stderr.String(), 0)
	go func() {
		for {
			select {
			case <-e.done:
				return
			case <-time.After(2 * time.Millisecond):
				read = releaseAttached(e.stderr.String(), read)
			}
		}
	}()
}
