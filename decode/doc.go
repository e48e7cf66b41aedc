// Package decode turns a system call, and what was read of the tracee's
// memory for it, into the line strace prints for it by default (strace -f,
// no other options; the reference is strace 6.1): for example
//
//	openat(AT_FDCWD, "/etc/app/tls.pem", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)
//
// It has two halves, for two goroutines. Capture, on the tracer's thread
// while the tracee is stopped, reads the strings and structures the
// call's text needs into a fixed buffer, without allocating or blocking.
// Format, later on any goroutine, writes the line from the call's
// registers and that buffer, and Attributes gives the typed facts a span
// carries (file.path, network.peer.*, the descriptor).
//
// Calls without a decoder of their own get strace's generic form: the
// name and as many arguments in hex as strace's table says the call
// takes (see generic.go). docs/decode.md lists what is decoded.
package decode
