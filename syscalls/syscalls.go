// Package syscalls names Linux system calls and errnos the way strace does,
// and parses strace-style syscall selections (-e trace=...).
//
// Tables cover x86_64, aarch64 and i386 regardless of the build's GOARCH: a
// tracer on amd64 also sees i386 processes, and the kernel says which table
// a call belongs to with an AUDIT_ARCH_* value (Arch). x32 (x86_64 numbers
// with bit 30 set) is not covered.
package syscalls

//go:generate go run ./internal/mksyscalls

import "strconv"

// allTables lists every table, for questions that are about names on any
// arch.
var allTables = [][]string{x86_64Names[:], aarch64Names[:], i386Names[:]}

// Name returns the name of syscall nr on arch, or "syscall_<nr>" if arch or
// nr is unknown. Known names cost no allocation, so Name can run on every
// syscall stop.
func Name(arch Arch, nr uint32) string {
	if names := arch.table(); nr < uint32(len(names)) && names[nr] != "" {
		return names[nr]
	}
	return "syscall_" + strconv.FormatUint(uint64(nr), 10)
}

// Lookup returns the number of the syscall called name on arch. It is a
// linear search, meant for setup, not for the tracing loop.
func Lookup(arch Arch, name string) (nr uint32, ok bool) {
	if name == "" {
		return 0, false
	}
	for i, n := range arch.table() {
		if n == name {
			return uint32(i), true
		}
	}
	return 0, false
}

// Max returns the length of arch's table: every named syscall number on
// arch is below it. It is 0 for an unknown arch.
func Max(arch Arch) int {
	return len(arch.table())
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
