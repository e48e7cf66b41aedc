package ptrace

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// The few syscalls the tracer itself reacts to, by number on each arch the
// kernel can report. An absent syscall holds noSyscall.
type watchedNrs struct {
	execve, execveat             uint32
	exit, exitGroup              uint32
	prctl                        uint32
	open, openat, openat2, close uint32
	write, pwrite64, writev      uint32
	// What decides the outcome of an interrupted call (interrupted.go).
	rtSigreturn, sigreturn uint32
}

const noSyscall = ^uint32(0)

var nothingWatched = watchedNrs{noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall, noSyscall}

// watched is indexed by syscalls.Arch.Index; other arches watch nothing.
var watched = func() (w [syscalls.NumIndexes]watchedNrs) {
	for i := range w {
		w[i] = nothingWatched
	}
	for _, arch := range syscalls.Arches {
		nr := func(name string) uint32 {
			if n, ok := syscalls.Lookup(arch, name); ok {
				return n
			}
			return noSyscall
		}
		w[arch.Index()] = watchedNrs{
			execve: nr("execve"), execveat: nr("execveat"),
			exit: nr("exit"), exitGroup: nr("exit_group"),
			prctl: nr("prctl"),
			open:  nr("open"), openat: nr("openat"), openat2: nr("openat2"), close: nr("close"),
			write: nr("write"), pwrite64: nr("pwrite64"), writev: nr("writev"),
			rtSigreturn: nr("rt_sigreturn"), sigreturn: nr("sigreturn"),
		}
	}
	return w
}()

func (w *watchedNrs) isExec(nr uint32) bool { return nr == w.execve || nr == w.execveat }

func (w *watchedNrs) isExit(nr uint32) bool { return nr == w.exit || nr == w.exitGroup }

// isSigreturn: the call returns from a signal handler, restoring the
// registers of the frame the signal interrupted (i386 has both kinds).
func (w *watchedNrs) isSigreturn(nr uint32) bool { return nr == w.rtSigreturn || nr == w.sigreturn }
