package proc

import (
	"bytes"
	"os"
)

// ParseCmdline splits a cmdline file (arguments, each NUL-terminated)
// into the arguments; nil for none (a kernel thread, a zombie).
func ParseCmdline(b []byte) []string {
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return nil
	}
	var argv []string
	for arg := range bytes.SplitSeq(b, []byte{0}) {
		argv = append(argv, string(arg))
	}
	return argv
}

// CmdlineText turns a cmdline file into one line, arguments joined by
// spaces, as ps shows it.
func CmdlineText(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}

// Cmdline is process pid's argv as the kernel shows it now, or nil if it
// is gone.
func (fs FS) Cmdline(pid int32) []string {
	b, err := os.ReadFile(fs.pidPath(pid, "cmdline"))
	if err != nil {
		return nil
	}
	return ParseCmdline(b)
}

// CmdlineText is process pid's command line as one line; ok is false if
// it is gone.
func (fs FS) CmdlineText(pid int32) (string, bool) {
	b, err := os.ReadFile(fs.pidPath(pid, "cmdline"))
	if err != nil {
		return "", false
	}
	return CmdlineText(b), true
}
