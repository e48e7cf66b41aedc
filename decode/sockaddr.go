package decode

import (
	"net/netip"
	"strconv"
)

// Socket addresses as strace's sockaddr.c prints them: AF_INET, AF_INET6,
// AF_UNIX (paths and abstract names) and AF_NETLINK in full, every other
// family's bytes as sa_data. The address a call connects or sends to, or
// accepts or receives from, becomes its network.peer.* attributes.

const (
	afUnspec  = 0
	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16
	afPacket  = 17

	sockaddrMax = 128 // sizeof(struct sockaddr_storage)
	sunPathMax  = 108
)

var addrFamilies = xlat{
	{0, "AF_UNSPEC"}, {1, "AF_UNIX"}, {2, "AF_INET"}, {3, "AF_AX25"}, {4, "AF_IPX"}, {5, "AF_APPLETALK"},
	{6, "AF_NETROM"}, {7, "AF_BRIDGE"}, {8, "AF_ATMPVC"}, {9, "AF_X25"}, {10, "AF_INET6"}, {11, "AF_ROSE"},
	{12, "AF_DECnet"}, {13, "AF_NETBEUI"}, {14, "AF_SECURITY"}, {15, "AF_KEY"}, {16, "AF_NETLINK"},
	{17, "AF_PACKET"}, {18, "AF_ASH"}, {19, "AF_ECONET"}, {20, "AF_ATMSVC"}, {21, "AF_RDS"}, {22, "AF_SNA"},
	{23, "AF_IRDA"}, {24, "AF_PPPOX"}, {25, "AF_WANPIPE"}, {26, "AF_LLC"}, {27, "AF_IB"}, {28, "AF_MPLS"},
	{29, "AF_CAN"}, {30, "AF_TIPC"}, {31, "AF_BLUETOOTH"}, {32, "AF_IUCV"}, {33, "AF_RXRPC"}, {34, "AF_ISDN"},
	{35, "AF_PHONET"}, {36, "AF_IEEE802154"}, {37, "AF_CAIF"}, {38, "AF_ALG"}, {39, "AF_NFC"}, {40, "AF_VSOCK"},
	{41, "AF_KCM"}, {42, "AF_QIPCRTR"}, {43, "AF_SMC"}, {44, "AF_XDP"}, {45, "AF_MCTP"},
}

// captureSockaddr reads n bytes (capped as strace caps them) of a
// sockaddr, in mode paths and up.
func (cp *Capture) captureSockaddr(key uint16, addr uint64, n int64) {
	if !cp.structs() || n < 2 {
		return
	}
	if n > sockaddrMax {
		n = sockaddrMax
	}
	cp.readExact(key, addr, int(n))
}

// sockaddr prints the sockaddr of addrlen bytes at addr (decode_sockaddr);
// peer says whether it names the call's peer.
func (f *formatter) sockaddr(key uint16, addr uint64, addrlen int64, peer bool) {
	if addrlen < 2 {
		f.addr(addr)
		return
	}
	if addrlen > sockaddrMax {
		addrlen = sockaddrMax
	}
	b := f.seg(key)
	if addr == 0 || b == nil || int64(len(b)) < addrlen {
		f.addr(addr)
		return
	}
	var sa [sockaddrMax + 1]byte // zero past addrlen, as strace pads it
	copy(sa[:], b[:addrlen])
	n := int(addrlen)
	family := le16(sa[:])
	f.s("{sa_family=")
	f.xval(addrFamilies, uint64(family), "AF_???")
	if n > 2 {
		f.sep()
		switch {
		case family == afUnix && n >= 3:
			f.sockaddrUnix(sa[:], n, peer)
		case family == afInet && n >= 16:
			f.sockaddrInet(sa[:], peer)
		case family == afInet6 && n >= 24:
			f.sockaddrInet6(sa[:], n, peer)
		case family == afNetlink && n >= 12:
			f.s("nl_pid=")
			f.d(int64(int32(le32(sa[4:]))))
			f.s(", nl_groups=")
			f.zeroPaddedHex(uint64(le32(sa[8:])), 8)
		default:
			f.s("sa_data=")
			f.b = appendQuoted(f.b, sa[2:n])
		}
	}
	f.s("}")
}

func (f *formatter) sockaddrUnix(sa []byte, n int, peer bool) {
	if n > 2+sunPathMax {
		n = 2 + sunPathMax
	}
	path := sa[2:n]
	f.s("sun_path=")
	var name []byte
	if path[0] != 0 {
		end := 0
		for end < len(path) && path[end] != 0 {
			end++
		}
		name = path[:end]
		f.b = appendQuoted(f.b, name)
	} else {
		f.s("@")
		f.b = appendQuoted(f.b, path[1:])
		name = append([]byte{'@'}, path[1:]...)
	}
	if peer {
		f.attrs.PeerAddress = validUTF8(name)
		f.attrs.Transport = "unix"
	}
}

func (f *formatter) port(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

func (f *formatter) sockaddrInet(sa []byte, peer bool) {
	port := f.port(sa[2:])
	ip := netip.AddrFrom4([4]byte(sa[4:8]))
	f.s("sin_port=htons(")
	f.u(uint64(port))
	f.s("), sin_addr=inet_addr(\"")
	f.s(ip.String())
	f.s("\")")
	if peer {
		f.attrs.PeerAddress, f.attrs.PeerPort, f.attrs.NetworkType = ip.String(), int(port), "ipv4"
	}
}

func (f *formatter) sockaddrInet6(sa []byte, n int, peer bool) {
	port := f.port(sa[2:])
	flowinfo := uint32(sa[4])<<24 | uint32(sa[5])<<16 | uint32(sa[6])<<8 | uint32(sa[7])
	addr := [16]byte(sa[8:24])
	text := inet6String(addr)
	f.s("sin6_port=htons(")
	f.u(uint64(port))
	f.s("), sin6_flowinfo=htonl(")
	f.u(uint64(flowinfo))
	f.s("), inet_pton(AF_INET6, \"")
	f.s(text)
	f.s("\", &sin6_addr)")
	if n > 24 {
		// strace names a link-local scope's interface (if_nametoindex);
		// this prints its number.
		f.s(", sin6_scope_id=")
		f.u(uint64(le32(sa[24:])))
	}
	if peer {
		f.attrs.PeerAddress, f.attrs.PeerPort, f.attrs.NetworkType = text, int(port), "ipv6"
	}
}

// inet6String is glibc's inet_ntop for AF_INET6: the longest run of two
// or more zero groups as ::, and the IPv4 forms for ::a.b.c.d and
// ::ffff:a.b.c.d.
func inet6String(a [16]byte) string {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	best, bestLen, cur, curLen := -1, 0, -1, 0
	for i, v := range w {
		if v == 0 {
			if cur < 0 {
				cur, curLen = i, 0
			}
			curLen++
			if curLen > bestLen {
				best, bestLen = cur, curLen
			}
		} else {
			cur = -1
		}
	}
	if bestLen < 2 {
		best = -1
	}
	var b []byte
	for i := 0; i < 8; i++ {
		if best >= 0 && i >= best && i < best+bestLen {
			if i == best {
				b = append(b, ':')
			}
			continue
		}
		if i != 0 {
			b = append(b, ':')
		}
		if i == 6 && best == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff) {
			b = append(b, netip.AddrFrom4([4]byte(a[12:16])).String()...)
			break
		}
		b = strconv.AppendUint(b, uint64(w[i]), 16)
	}
	if best >= 0 && best+bestLen == 8 {
		b = append(b, ':')
	}
	return string(b)
}

// zeroPaddedHex is C's %#0*x: width digits with 0x, or zeros for 0.
func (f *formatter) zeroPaddedHex(v uint64, width int) {
	if v == 0 {
		for i := 0; i < width; i++ {
			f.s("0")
		}
		return
	}
	s := strconv.FormatUint(v, 16)
	f.s("0x")
	for i := len(s) + 2; i < width; i++ {
		f.s("0")
	}
	f.s(s)
}
