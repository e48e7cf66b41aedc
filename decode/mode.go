package decode

import "fmt"

// Mode says how much of the tracee's memory a Capture reads. Data can hold
// secrets, so only ModeAll reads it.
type Mode uint8

const (
	// ModeNone reads nothing: pointers print as addresses.
	ModeNone Mode = iota
	// ModePaths reads paths, socket addresses and the fixed structures
	// calls take or fill (stat, timespec, sigaction, sigset, flock, wait
	// status, clone_args, iovec arrays without their buffers), not data
	// buffers and not argv strings.
	ModePaths
	// ModeAll adds what read, write, send, recv and their vector forms
	// carry, and execve's argv strings, up to strace's 32-byte limit.
	ModeAll
)

// String is the flag value: none, paths or all.
func (m Mode) String() string {
	switch m {
	case ModeNone:
		return "none"
	case ModePaths:
		return "paths"
	case ModeAll:
		return "all"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode reads a --spans.decode value.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "none":
		return ModeNone, nil
	case "paths":
		return ModePaths, nil
	case "all":
		return ModeAll, nil
	}
	return 0, fmt.Errorf("decode mode %q: want none, paths or all", s)
}
