package ptrace

import (
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/ptrace/syscalls"
)

// The few syscalls the tracer itself reacts to, by number on each arch the
// kernel can report. An absent syscall holds noSyscall.
type watchedNrs struct {
	execve, execveat             uint32
	exit, exitGroup              uint32
	prctl                        uint32
	open, openat, openat2, close uint32
	write, pwrite64, writev      uint32
}

const noSyscall = ^uint32(0)

const (
	archX86_64 = iota
	archI386
	archAarch64
	archOther
	numArches
)

func archIndex(arch uint32) int {
	switch arch {
	case unix.AUDIT_ARCH_X86_64:
		return archX86_64
	case unix.AUDIT_ARCH_I386:
		return archI386
	case unix.AUDIT_ARCH_AARCH64:
		return archAarch64
	}
	return archOther
}

var watched = func() (w [numArches]watchedNrs) {
	auditArch := [numArches]uint32{unix.AUDIT_ARCH_X86_64, unix.AUDIT_ARCH_I386, unix.AUDIT_ARCH_AARCH64, 0}
	for i, arch := range auditArch {
		nr := func(name string) uint32 {
			if n, ok := syscalls.Lookup(arch, name); ok && arch != 0 {
				return n
			}
			return noSyscall
		}
		w[i] = watchedNrs{
			execve: nr("execve"), execveat: nr("execveat"),
			exit: nr("exit"), exitGroup: nr("exit_group"),
			prctl: nr("prctl"),
			open:  nr("open"), openat: nr("openat"), openat2: nr("openat2"), close: nr("close"),
			write: nr("write"), pwrite64: nr("pwrite64"), writev: nr("writev"),
		}
	}
	return w
}()

func (w *watchedNrs) isExec(nr uint32) bool { return nr == w.execve || nr == w.execveat }

func (w *watchedNrs) isExit(nr uint32) bool { return nr == w.exit || nr == w.exitGroup }
