package backend

import "strings"

// Slot is the Consumer's handle for a thread's label set. A backend stores
// the slot ThreadStarted or ThreadRenamed returned, and hands it back with
// every call of the thread; it never looks inside.
type Slot uint32

// Thread is a traced thread, named by its backend. The backend knows the
// kernel's naming rules (a new thread has its maker's name, execve names
// the program after its path, prctl and writes to comm rename), so the
// Consumer never reads a name itself.
type Thread struct {
	TID, PID int32 // thread, and its thread-group leader
	// Process is the leader's name (comm): the process label.
	Process string
	// Name is the thread's own name (comm): the thread label. A leader's
	// Name is its Process.
	Name string
}

// UnknownName names a thread whose name could not be read: it was gone by
// then. Every reader of names falls back to it, so metrics, spans and the
// landing page agree.
const UnknownName = "unknown"

// ValidName makes a name the kernel reported into one every consumer can
// use: the kernel cuts a name at 15 bytes, which can split a UTF-8
// character, and an invalid label value would fail the whole scrape (and
// an OTLP export). Empty names become UnknownName.
func ValidName(name string) string {
	if name == "" {
		return UnknownName
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}
