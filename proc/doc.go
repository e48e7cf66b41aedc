// Package proc reads what the exporter needs of /proc: each file by a pure
// parseX over its text, which the tests run on fixtures/, and a reader on
// an FS that names the root, as node_exporter's collector/paths.go does.
//
// The readers the backends use while a tracee waits read into buffers on
// the stack; the others, off that path, use github.com/prometheus/procfs.
package proc

import "strconv"

// FS is a /proc tree.
type FS struct {
	root string
}

// Default is the host's /proc.
var Default = NewFS("/proc")

// NewFS reads the tree at root ("/proc", or a fixture).
func NewFS(root string) FS { return FS{root: root} }

// Root is where the tree is.
func (fs FS) Root() string { return fs.root }

// pidPath is root/pid/name.
func (fs FS) pidPath(pid int32, name string) string {
	return fs.root + "/" + strconv.Itoa(int(pid)) + "/" + name
}

// taskPath is root/pid/task/tid/name.
func (fs FS) taskPath(pid, tid int32, name string) string {
	return fs.root + "/" + strconv.Itoa(int(pid)) + "/task/" + strconv.Itoa(int(tid)) + "/" + name
}
