package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// binaries are the programs a benchmark run uses; an empty path means the
// tool is missing and its column is skipped.
type binaries struct {
	exporter, httpServer, httpLoad, threads string
	floor, strace, taskset                  string
}

// moduleRoot is the repository the harness was built from, so that it
// works from any working directory.
func moduleRoot() (string, error) {
	if _, self, _, ok := runtime.Caller(0); ok {
		root := filepath.Dir(filepath.Dir(self))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root, nil
		}
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("cannot find the syscall_exporter module: run from inside the repository")
	}
	return filepath.Dir(gomod), nil
}

// defaultFloorSource is $PTRACE_FLOOR_SRC, else the repository's
// bench/floor/ptrace_floor.c.
func defaultFloorSource() string {
	if s := os.Getenv("PTRACE_FLOOR_SRC"); s != "" {
		return s
	}
	root, err := moduleRoot()
	if err != nil {
		return ""
	}
	return filepath.Join(root, "bench", "floor", "ptrace_floor.c")
}

// build compiles the exporter, the workload programs and the floor tracer
// into dir. notes say what was skipped and why.
func build(dir, floorSrc string) (bins binaries, notes []string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return bins, nil, err
	}
	for _, tool := range []string{"go", "gcc", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			return bins, nil, fmt.Errorf("needs %s in PATH", tool)
		}
	}
	bins.taskset, _ = exec.LookPath("taskset")
	if bins.strace, err = exec.LookPath("strace"); err != nil {
		bins.strace = ""
		notes = append(notes, "strace -f -c: skipped, strace is not installed (Debian package strace)")
	}

	goBuild := func(pkg, name string, env ...string) (string, error) {
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Env = append(os.Environ(), env...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
		return out, nil
	}
	cc := func(src, name string) (string, error) {
		out := filepath.Join(dir, name)
		if b, err := exec.Command("gcc", "-O2", "-pthread", "-o", out, src).CombinedOutput(); err != nil {
			return "", fmt.Errorf("gcc %s: %v\n%s", src, err, b)
		}
		return out, nil
	}
	// The exporter as released (Makefile, Dockerfile): without cgo. A cgo
	// build starts 1.5 ms slower (the dynamic loader, pthread_create for
	// each thread) and cannot drop capabilities: nobody runs it.
	if bins.exporter, err = goBuild("./cmd/syscall_exporter", "syscall_exporter", "CGO_ENABLED=0"); err != nil {
		return bins, nil, err
	}
	notes = append(notes, "exporter: built as released, CGO_ENABLED=0")
	if bins.httpServer, err = goBuild("./bench/httpserver", "httpserver"); err != nil {
		return bins, nil, err
	}
	if bins.httpLoad, err = goBuild("./bench/httpload", "httpload"); err != nil {
		return bins, nil, err
	}
	if bins.threads, err = cc(filepath.Join(root, "internal", "testprog", "src", "threads.c"), "threads"); err != nil {
		return bins, nil, err
	}
	if _, statErr := os.Stat(floorSrc); floorSrc == "" || statErr != nil {
		notes = append(notes, fmt.Sprintf("C floor: skipped, no ptrace_floor.c at %q (set PTRACE_FLOOR_SRC or -floor-src)", floorSrc))
	} else if bins.floor, err = cc(floorSrc, "ptrace_floor"); err != nil {
		return bins, nil, err
	} else {
		notes = append(notes, "C floor: "+floorSrc)
	}
	return bins, notes, nil
}
