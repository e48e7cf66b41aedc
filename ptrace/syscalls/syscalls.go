// Package syscalls names Linux system calls and errnos the way strace does,
// and parses strace-style syscall selections (-e trace=...).
//
// Tables cover x86_64, aarch64 and i386 regardless of the build's GOARCH: a
// tracer on amd64 also sees i386 processes, and PTRACE_GET_SYSCALL_INFO says
// which table a stop belongs to with an AUDIT_ARCH_* value. x32 (x86_64
// numbers with bit 30 set) is not covered.
package syscalls

//go:generate go run ./internal/mksyscalls

import (
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// table returns the names of arch's syscalls indexed by number, or nil for an
// arch without a table.
func table(arch uint32) []string {
	switch arch {
	case unix.AUDIT_ARCH_X86_64:
		return x86_64Names[:]
	case unix.AUDIT_ARCH_AARCH64:
		return aarch64Names[:]
	case unix.AUDIT_ARCH_I386:
		return i386Names[:]
	}
	return nil
}

// allTables lists every table, for questions that are about names on any
// arch.
var allTables = [][]string{x86_64Names[:], aarch64Names[:], i386Names[:]}

// Name returns the name of syscall nr on arch (an AUDIT_ARCH_* value), or
// "syscall_<nr>" if arch or nr is unknown. Known names cost no allocation,
// so Name can run on every syscall stop.
func Name(arch uint32, nr uint32) string {
	if names := table(arch); nr < uint32(len(names)) && names[nr] != "" {
		return names[nr]
	}
	return "syscall_" + strconv.FormatUint(uint64(nr), 10)
}

// Lookup returns the number of the syscall called name on arch. It is a
// linear search, meant for setup, not for the tracing loop.
func Lookup(arch uint32, name string) (nr uint32, ok bool) {
	if name == "" {
		return 0, false
	}
	for i, n := range table(arch) {
		if n == name {
			return uint32(i), true
		}
	}
	return 0, false
}

// Max returns the length of arch's table: every named syscall number on
// arch is below it. It is 0 for an unknown arch.
func Max(arch uint32) int {
	return len(table(arch))
}

// Native returns the AUDIT_ARCH_* value of the running binary's own
// architecture, or 0 if it has no table here.
func Native() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64
	case "386":
		return unix.AUDIT_ARCH_I386
	}
	return 0
}

// isKnownName reports whether name is a syscall on at least one arch.
func isKnownName(name string) bool {
	for _, names := range allTables {
		for _, n := range names {
			if n == name && n != "" {
				return true
			}
		}
	}
	return false
}
