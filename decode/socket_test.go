package decode_test

import (
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

func inet(port uint16, ip [4]byte) []byte {
	b := make([]byte, 16)
	b[0] = 2
	b[2], b[3] = byte(port>>8), byte(port)
	copy(b[4:], ip[:])
	return b
}

func inet6(port uint16, ip [16]byte) []byte {
	b := make([]byte, 28)
	b[0] = 10
	b[2], b[3] = byte(port>>8), byte(port)
	copy(b[8:], ip[:])
	return b
}

func unixAddr(path string) []byte { return append([]byte{1, 0}, path...) }

func TestSockets(t *testing.T) {
	sin := inet(443, [4]byte{10, 0, 0, 1})
	var v6 [16]byte
	v6[0], v6[1], v6[15] = 0x20, 0x01, 1
	mapped := [16]byte{10: 0xff, 11: 0xff, 12: 192, 13: 0, 14: 2, 15: 1}
	lenIn, lenOut := make([]byte, 4), make([]byte, 4)
	put32(lenIn, 16)
	put32(lenOut, 16)
	checkLines(t, []lineCase{
		{"socket", call(t, "socket", 3, 2, 1|0o2000000, 0), decode.ModePaths, pad("socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP)", "= 3")},
		{"socket unix", call(t, "socket", 3, 1, 2, 0), decode.ModePaths, pad("socket(AF_UNIX, SOCK_DGRAM, 0)", "= 3")},
		{"socket netlink", call(t, "socket", 3, 16, 3, 0), decode.ModePaths, pad("socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)", "= 3")},
		{"connect inet", call(t, "connect", -111, 3, bytesAt(sin), 16), decode.ModePaths,
			`connect(3, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)`},
		{"connect inet6", call(t, "connect", 0, 3, bytesAt(inet6(80, v6)), 28), decode.ModePaths,
			`connect(3, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`},
		{"v4-mapped", call(t, "connect", 0, 3, bytesAt(inet6(80, mapped)), 24), decode.ModePaths,
			`connect(3, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:192.0.2.1", &sin6_addr)}, 24) = 0`},
		{"unix path", call(t, "connect", 0, 3, bytesAt(unixAddr("/run/x.sock\x00")), 110), decode.ModePaths,
			`connect(3, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = 0`},
		{"abstract", call(t, "bind", 0, 3, bytesAt(unixAddr("\x00name")), 7), decode.ModePaths,
			pad(`bind(3, {sa_family=AF_UNIX, sun_path=@"name"}, 7)`, "= 0")},
		{"unknown family", call(t, "bind", -97, 3, bytesAt([]byte{99, 0, 'a', 'b'}), 4), decode.ModePaths,
			`bind(3, {sa_family=0x63 /* AF_??? */, sa_data="ab"}, 4) = -1 EAFNOSUPPORT (Address family not supported by protocol)`},
		{"sendto", call(t, "sendto", 4, 3, bytesAt([]byte("ping")), 4, 0x4000, bytesAt(sin), 16), decode.ModeAll,
			`sendto(3, "ping", 4, MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.0.0.1")}, 16) = 4`},
	})

	// accept4 and recvfrom read the socklen at entry: [in => out].
	addr := inet(5555, [4]byte{127, 0, 0, 1})
	buf := make([]byte, 128)
	copy(buf, addr)
	length := make([]byte, 4)
	put32(length, 128)
	c := call(t, "accept4", 5, 3, bytesAt(buf), bytesAt(length), 0o2000000)
	cp := new(decode.Capture)
	c.Exit = 0
	cp.Entry(c, self, decode.ModePaths)
	put32(length, 16) // what the kernel writes
	c.Exit = 2
	cp.Exit(c, self, decode.ModePaths)
	text, attrs := decode.Decode(c, cp)
	if want := `accept4(3, {sa_family=AF_INET, sin_port=htons(5555), sin_addr=inet_addr("127.0.0.1")}, [128 => 16], SOCK_CLOEXEC) = 5`; text != want {
		t.Errorf("accept4:\n  got  %s\n  want %s", text, want)
	}
	if attrs.PeerAddress != "127.0.0.1" || attrs.PeerPort != 5555 || attrs.NetworkType != "ipv4" || attrs.FD != 3 {
		t.Errorf("accept4 attributes %+v", attrs)
	}
	// Without the entry read, the in-value is taken to be the out-value.
	cp.Reset()
	cp.Exit(c, self, decode.ModePaths)
	if text := decode.Format(c, cp); text != `accept4(3, {sa_family=AF_INET, sin_port=htons(5555), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 5` {
		t.Errorf("accept4 without its entry: %s", text)
	}

	c = call(t, "connect", 0, 3, bytesAt(unixAddr("\x00abs")), 6)
	cp.Exit(c, self, decode.ModePaths)
	if a := decode.Attributes(c, cp); a.PeerAddress != "@abs" || a.Transport != "unix" || a.PeerPort != 0 {
		t.Errorf("abstract connect attributes %+v", a)
	}
	c = call(t, "connect", 0, 3, bytesAt(inet6(8443, v6)), 28)
	cp.Exit(c, self, decode.ModePaths)
	if a := decode.Attributes(c, cp); a.PeerAddress != "2001::1" || a.PeerPort != 8443 || a.NetworkType != "ipv6" || a.Transport != "" {
		t.Errorf("inet6 connect attributes %+v", a)
	}
}
