package decode

import "github.com/syscall-exporter/syscall_exporter/backend"

// Attrs are the typed facts of a call a span carries beside its text,
// semantic conventions first.
type Attrs struct {
	// Path is file.path: the first path the call names, as it was read
	// (not quoted; invalid UTF-8 replaced). Empty when none was read.
	Path string
	// FD is syscall_exporter.syscall.fd, valid when HasFD: the first
	// descriptor argument (dirfd arguments of *at calls do not count), or
	// for a call that makes one (open, socket, accept, dup, fcntl F_DUPFD)
	// and has none, the one it returned.
	FD    int
	HasFD bool
	// PeerAddress and PeerPort are network.peer.address and .port: the
	// address connect or sendto names, or accept or recvfrom filled in:
	// an IP address, or an AF_UNIX path ("@name" for an abstract one).
	PeerAddress string
	PeerPort    int
	// NetworkType is network.type: "ipv4" or "ipv6" for an IP peer.
	NetworkType string
	// Transport is network.transport where the call shows it: "unix" for
	// an AF_UNIX peer. TCP or UDP is the socket's type, which the call
	// does not carry: it stays empty for IP peers.
	Transport string

	hasPath bool
}

// Attributes returns the typed facts of c as Capture read them.
func Attributes(c *backend.Call, cp *Capture) Attrs {
	_, a := Decode(c, cp)
	return a
}
