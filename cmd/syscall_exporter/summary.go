package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/summary"
)

// summaryFlags ask for strace -c style tables: at exit, and on SIGUSR1.
type summaryFlags struct {
	Summary       bool   `name:"summary" help:"When the launched command exits, or on detach, print a strace -c style table of the syscalls traced (SIGUSR1 prints one at any time)."`
	SummaryOutput string `name:"summary.output" placeholder:"FILE" help:"Write summaries to FILE, replacing it each time, instead of stderr. Implies --summary."`
	SummaryBy     string `name:"summary.by" enum:"syscall,thread" default:"syscall" help:"One table for everything traced (syscall), or one per process and thread label set (thread)."`
	SummaryFormat string `name:"summary.format" enum:"text,json" default:"text" help:"text (strace -c's layout) or json (schema in the README)."`
}

// summaryPrinter writes summaries of the collector's snapshot.
type summaryPrinter struct {
	flags  summaryFlags
	coll   *collector.Collector
	stderr io.Writer
	log    *slog.Logger
	// sync, if set, has a backend that counts in the kernel hand over
	// its counts first (ebpf).
	sync func()

	mu   sync.Mutex // one summary at a time: exit and SIGUSR1 may meet
	sigs chan os.Signal
	done chan struct{}
}

// Validate checks that --summary.output can be written, which implies
// --summary.
func (f *summaryFlags) Validate() error {
	if f.SummaryOutput != "" {
		dir := filepath.Dir(f.SummaryOutput)
		if err := unix.Access(dir, unix.W_OK); err != nil {
			return fmt.Errorf("--summary.output=%s: cannot write in %s: %v", f.SummaryOutput, dir, err)
		}
		f.Summary = true
	}
	return nil
}

// startSummaries handles SIGUSR1 from now on, in either mode: the signal's
// default action would kill the exporter, so it always prints instead,
// whether or not --summary was given.
func (f *summaryFlags) startSummaries(coll *collector.Collector, stderr io.Writer, logger *slog.Logger) *summaryPrinter {
	p := &summaryPrinter{
		flags: *f, coll: coll, stderr: stderr, log: logger,
		sigs: make(chan os.Signal, 1), done: make(chan struct{}),
	}
	signal.Notify(p.sigs, syscall.SIGUSR1)
	go func() {
		for {
			select {
			case <-p.sigs:
				p.print()
			case <-p.done:
				return
			}
		}
	}()
	return p
}

// atExit prints the final summary, if --summary asked for one.
func (p *summaryPrinter) atExit() {
	if p.flags.Summary {
		p.print()
	}
}

func (p *summaryPrinter) stop() {
	signal.Stop(p.sigs)
	close(p.done)
}

func (p *summaryPrinter) print() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sync != nil {
		p.sync()
	}
	sum := summary.Of(p.coll.Snapshot(), p.coll.LabelNames(), summary.By(p.flags.SummaryBy))
	var buf bytes.Buffer
	var err error
	if p.flags.SummaryFormat == "json" {
		err = sum.WriteJSON(&buf)
	} else {
		err = sum.WriteText(&buf)
	}
	if err == nil {
		if p.flags.SummaryOutput == "" {
			_, err = p.stderr.Write(buf.Bytes())
		} else {
			err = replaceFile(p.flags.SummaryOutput, buf.Bytes())
		}
	}
	if err != nil {
		p.log.Error("cannot write the summary", "err", err)
	}
}

// replaceFile writes a new file and renames it over path, so a reader
// never sees half a summary, and each summary replaces the one before.
func replaceFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
