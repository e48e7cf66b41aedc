package syscalls

import (
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Arch is the architecture of a syscall, as the kernel reports it to
// tracers: an AUDIT_ARCH_* value (PTRACE_GET_SYSCALL_INFO, seccomp_data).
// Its table says what the number means: an i386 process on x86_64 makes
// its calls by the i386 table.
type Arch uint32

// The architectures with a table.
const (
	X86_64  Arch = unix.AUDIT_ARCH_X86_64
	I386    Arch = unix.AUDIT_ARCH_I386
	AArch64 Arch = unix.AUDIT_ARCH_AARCH64
)

// Arches lists every Arch with a table, in Index order.
var Arches = [...]Arch{X86_64, I386, AArch64}

// NumIndexes is the number of values Index returns: one per table, and one
// for every other architecture together.
const NumIndexes = len(Arches) + 1

// Index numbers the architectures densely, for arrays indexed by arch:
// X86_64, I386, AArch64 in Arches' order, then NumIndexes-1 for any other.
func (a Arch) Index() int {
	switch a {
	case X86_64:
		return 0
	case I386:
		return 1
	case AArch64:
		return 2
	}
	return NumIndexes - 1
}

// String is the name strace and uname use: "x86_64", "i386", "aarch64",
// or the AUDIT_ARCH_* value in hex for an architecture without a table.
func (a Arch) String() string {
	switch a {
	case X86_64:
		return "x86_64"
	case I386:
		return "i386"
	case AArch64:
		return "aarch64"
	}
	return "0x" + strconv.FormatUint(uint64(a), 16)
}

// Known reports whether a has a table here.
func (a Arch) Known() bool { return a.Index() < len(Arches) }

// Native is the architecture of the running binary, or 0 if it has no
// table here.
func Native() Arch {
	switch runtime.GOARCH {
	case "amd64":
		return X86_64
	case "arm64":
		return AArch64
	case "386":
		return I386
	}
	return 0
}

// table returns the names of arch's syscalls indexed by number, or nil for
// an arch without a table.
func (a Arch) table() []string {
	switch a {
	case X86_64:
		return x86_64Names[:]
	case AArch64:
		return aarch64Names[:]
	case I386:
		return i386Names[:]
	}
	return nil
}
