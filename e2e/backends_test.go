package e2e

import (
	"net/http"
	"os"
	"path/filepath"
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

// goFiles are the files a test program waits for (testprog.h: followed):
// a TracerPid shows a moment before ptrace's first stop, and an eBPF
// tracer leaves none.
var goFiles sync.Map // test name → path

func goFile(t *testing.T) string {
	p, ok := goFiles.Load(t.Name())
	if !ok {
		path := filepath.Join(t.TempDir(), "go")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		p, _ = goFiles.LoadOrStore(t.Name(), path)
	}
	return p.(string)
}

// release lets a program waiting on goFile go.
func release(path string) { os.WriteFile(path, []byte("1"), 0o644) }

// programEnv is the environment of a test program.
func programEnv(t *testing.T) []string {
	return append(os.Environ(), "TESTPROG_GO="+goFile(t))
}

// releaseOnceTracing lets the test's programs go once the exporter at
// addr traces a target (/readyz). An exporter given --pid is ready when it
// serves, so that is checked at once: a test may stop the exporter before
// a second look.
func releaseOnceTracing(t *testing.T, addr string) {
	t.Helper()
	path := goFile(t)
	ready := func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if ready() {
		release(path)
		return
	}
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if ready() {
				release(path)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
}
