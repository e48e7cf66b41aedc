package decode

// socket, socketpair, connect, bind, accept, accept4, getsockname,
// getpeername, sendto, recvfrom (strace's net.c, bind.c).

var socketTypes = xlat{
	{1, "SOCK_STREAM"}, {2, "SOCK_DGRAM"}, {3, "SOCK_RAW"}, {4, "SOCK_RDM"},
	{5, "SOCK_SEQPACKET"}, {6, "SOCK_DCCP"}, {10, "SOCK_PACKET"},
}

var socketTypeFlags = xlat{{0o2000000, "SOCK_CLOEXEC"}, {0o4000, "SOCK_NONBLOCK"}}

var inetProtocols = xlat{
	{0, "IPPROTO_IP"}, {1, "IPPROTO_ICMP"}, {2, "IPPROTO_IGMP"}, {4, "IPPROTO_IPIP"}, {6, "IPPROTO_TCP"},
	{8, "IPPROTO_EGP"}, {12, "IPPROTO_PUP"}, {17, "IPPROTO_UDP"}, {22, "IPPROTO_IDP"}, {29, "IPPROTO_TP"},
	{33, "IPPROTO_DCCP"}, {41, "IPPROTO_IPV6"}, {43, "IPPROTO_ROUTING"}, {44, "IPPROTO_FRAGMENT"},
	{46, "IPPROTO_RSVP"}, {47, "IPPROTO_GRE"}, {50, "IPPROTO_ESP"}, {51, "IPPROTO_AH"}, {58, "IPPROTO_ICMPV6"},
	{59, "IPPROTO_NONE"}, {60, "IPPROTO_DSTOPTS"}, {92, "IPPROTO_MTP"}, {94, "IPPROTO_BEETPH"},
	{98, "IPPROTO_ENCAP"}, {103, "IPPROTO_PIM"}, {108, "IPPROTO_COMP"}, {115, "IPPROTO_L2TP"},
	{132, "IPPROTO_SCTP"}, {135, "IPPROTO_MH"}, {136, "IPPROTO_UDPLITE"}, {137, "IPPROTO_MPLS"},
	{143, "IPPROTO_ETHERNET"}, {255, "IPPROTO_RAW"}, {262, "IPPROTO_MPTCP"},
}

var netlinkProtocols = xlat{
	{0, "NETLINK_ROUTE"}, {1, "NETLINK_UNUSED"}, {2, "NETLINK_USERSOCK"}, {3, "NETLINK_FIREWALL"},
	{4, "NETLINK_SOCK_DIAG"}, {5, "NETLINK_NFLOG"}, {6, "NETLINK_XFRM"}, {7, "NETLINK_SELINUX"},
	{8, "NETLINK_ISCSI"}, {9, "NETLINK_AUDIT"}, {10, "NETLINK_FIB_LOOKUP"}, {11, "NETLINK_CONNECTOR"},
	{12, "NETLINK_NETFILTER"}, {13, "NETLINK_IP6_FW"}, {14, "NETLINK_DNRTMSG"}, {15, "NETLINK_KOBJECT_UEVENT"},
	{16, "NETLINK_GENERIC"}, {18, "NETLINK_SCSITRANSPORT"}, {19, "NETLINK_ECRYPTFS"}, {20, "NETLINK_RDMA"},
	{21, "NETLINK_CRYPTO"}, {22, "NETLINK_SMC"},
}

var msgFlags = xlat{
	{0x1, "MSG_OOB"}, {0x2, "MSG_PEEK"}, {0x4, "MSG_DONTROUTE"}, {0x8, "MSG_CTRUNC"}, {0x10, "MSG_PROBE"},
	{0x20, "MSG_TRUNC"}, {0x40, "MSG_DONTWAIT"}, {0x80, "MSG_EOR"}, {0x100, "MSG_WAITALL"}, {0x200, "MSG_FIN"},
	{0x400, "MSG_SYN"}, {0x800, "MSG_CONFIRM"}, {0x1000, "MSG_RST"}, {0x2000, "MSG_ERRQUEUE"},
	{0x4000, "MSG_NOSIGNAL"}, {0x8000, "MSG_MORE"}, {0x10000, "MSG_WAITFORONE"}, {0x40000, "MSG_BATCH"},
	{0x4000000, "MSG_ZEROCOPY"}, {0x20000000, "MSG_FASTOPEN"}, {0x40000000, "MSG_CMSG_CLOEXEC"},
	{0x80000000, "MSG_CMSG_COMPAT"},
}

// sockType prints a socket type with its flags (tprint_sock_type).
func (f *formatter) sockType(v uint32) {
	if s, ok := socketTypes.lookup(uint64(v & 0xf)); ok {
		f.s(s)
		if v &^= 0xf; v == 0 {
			return
		}
		f.s("|")
	}
	f.flags(socketTypeFlags, uint64(v), "SOCK_???")
}

func fmtSocket(f *formatter) {
	domain := uint32(f.arg(0))
	f.xval(addrFamilies, uint64(domain), "AF_???")
	f.sep()
	f.sockType(uint32(f.arg(1)))
	f.sep()
	switch domain {
	case afInet, afInet6:
		f.xval(inetProtocols, uint64(uint32(f.arg(2))), "IPPROTO_???")
	case afNetlink:
		f.xval(netlinkProtocols, uint64(uint32(f.arg(2))), "NETLINK_???")
	default:
		// strace names AF_PACKET's, AF_CAN's and a few more; here in decimal.
		f.ulong(2)
	}
	f.newFD = true
}

func capSocketpair(cp *Capture, _ bool) {
	if c := cp.call; c.Exit != 0 && c.Errno == 0 && cp.structs() {
		cp.readExact(argKey(3), cp.arg(3), 8)
	}
}

func fmtSocketpair(f *formatter) {
	f.xval(addrFamilies, uint64(uint32(f.arg(0))), "AF_???")
	f.sep()
	f.sockType(uint32(f.arg(1)))
	f.sep()
	f.ulong(2)
	f.sep()
	f.fdPair(3)
}

// bind and connect(fd, addr, addrlen).
func capSockaddrArg(cp *Capture, _ bool) {
	cp.captureSockaddr(argKey(1), cp.arg(1), int64(int32(cp.arg(2))))
}

func fmtBind(f *formatter) { fmtAddrCall(f, false) }

func fmtConnect(f *formatter) { fmtAddrCall(f, true) }

func fmtAddrCall(f *formatter, peer bool) {
	f.fd(0)
	f.sep()
	n := int64(int32(f.arg(2)))
	f.sockaddr(argKey(1), f.arg(1), n, peer)
	f.sep()
	f.d(n)
}

// accept, accept4, getsockname, getpeername(fd, addr, addrlen): the
// length is in and out, "[in => out]" when they differ; the in-value is
// read at entry (NeedsEntry), else taken to equal the out-value.
func capSockname(cp *Capture, atEntry bool) {
	if !cp.structs() {
		return
	}
	cp.captureSocklen(1, 2, atEntry)
}

// captureSocklen reads a sockaddr and its socklen (arguments addr and
// lenp): the length at entry, and at exit again (after a failure it still
// holds the in-value) with the address the call filled.
func (cp *Capture) captureSocklen(addr, lenp int, atEntry bool) {
	a, l := cp.arg(addr), cp.arg(lenp)
	if a == 0 || l == 0 {
		return
	}
	if atEntry {
		cp.readExact(entryKey(lenp), l, 4)
		return
	}
	c := cp.call
	if c.Exit == 0 {
		return
	}
	cp.readExact(argKey(lenp), l, 4)
	b := cp.segBytes(argKey(lenp))
	if c.Errno != 0 || b == nil {
		return
	}
	n := int64(int32(le32(b)))
	if in := cp.segBytes(entryKey(lenp)); in != nil && int64(int32(le32(in))) < n {
		n = int64(int32(le32(in)))
	}
	cp.captureSockaddr(argKey(addr), a, n)
}

func (cp *Capture) segBytes(key uint16) []byte {
	s := cp.find(key)
	if s == nil || s.state != segOK {
		return nil
	}
	return cp.bytes(s)
}

// socklens returns a socklen argument's in-value (read at entry, or at
// the exit of a failed call, which leaves it) and out-value.
func (f *formatter) socklens(lenp int) (ulen, rlen int64, haveIn, haveOut bool) {
	exit := f.seg(argKey(lenp))
	if b := f.seg(entryKey(lenp)); b != nil {
		ulen, haveIn = int64(int32(le32(b))), true
	} else if exit != nil && f.failed() {
		ulen, haveIn = int64(int32(le32(exit))), true
	}
	if exit != nil && !f.failed() && f.returned() {
		rlen, haveOut = int64(int32(le32(exit))), true
		if !haveIn {
			ulen = rlen
		}
	}
	return ulen, rlen, haveIn, haveOut
}

func (f *formatter) socklen(ulen, rlen int64) {
	f.s("[")
	if ulen != rlen {
		f.d(ulen)
		f.s(" => ")
	}
	f.d(rlen)
	f.s("]")
}

func fmtSockname(f *formatter, peer bool) {
	f.fd(0)
	f.sep()
	addr, lenp := f.arg(1), f.arg(2)
	ulen, rlen, haveIn, haveOut := f.socklens(2)
	switch {
	case addr == 0 || lenp == 0:
		f.addr(addr)
		f.sep()
		f.addr(lenp)
	case !haveOut:
		f.addr(addr)
		f.sep()
		if haveIn {
			f.s("[")
			f.d(ulen)
			f.s("]")
		} else {
			f.addr(lenp)
		}
	default:
		n := ulen
		if rlen < n {
			n = rlen
		}
		f.sockaddr(argKey(1), addr, n, peer)
		f.sep()
		f.socklen(ulen, rlen)
	}
}

func fmtAccept(f *formatter) { fmtSockname(f, true); f.newFD = true }
func fmtAccept4(f *formatter) {
	fmtAccept(f)
	f.sep()
	f.flags(socketTypeFlags, uint64(uint32(f.arg(3))), "SOCK_???")
}
func fmtGetsockname(f *formatter) { fmtSockname(f, false) }
func fmtGetpeername(f *formatter) { fmtSockname(f, true) }

// sendto(fd, buf, len, flags, addr, addrlen).
func capSendto(cp *Capture, _ bool) {
	cp.captureData(argKey(1), cp.arg(1), cp.arg(2))
	cp.captureSockaddr(argKey(4), cp.arg(4), int64(int32(cp.arg(5))))
}

func fmtSendto(f *formatter) {
	f.fd(0)
	f.sep()
	f.data(argKey(1), f.arg(1), f.arg(2))
	f.sep()
	f.ulong(2)
	f.sep()
	f.flags(msgFlags, uint64(uint32(f.arg(3))), "MSG_???")
	f.sep()
	n := int64(int32(f.arg(5)))
	f.sockaddr(argKey(4), f.arg(4), n, true)
	f.sep()
	f.d(n)
}

// recvfrom(fd, buf, len, flags, addr, addrlen).
func capRecvfrom(cp *Capture, atEntry bool) {
	if !cp.structs() {
		return
	}
	if c := cp.call; !atEntry && c.Exit != 0 && c.Errno == 0 {
		cp.captureData(argKey(1), cp.arg(1), readLen(c.Ret, cp.arg(2)))
	}
	cp.captureSocklen(4, 5, atEntry)
}

func fmtRecvfrom(f *formatter) {
	f.fd(0)
	f.sep()
	if f.failed() || !f.returned() {
		f.ptr(1)
	} else {
		f.data(argKey(1), f.arg(1), readLen(f.c.Ret, f.arg(2)))
	}
	f.sep()
	f.ulong(2)
	f.sep()
	f.flags(msgFlags, uint64(uint32(f.arg(3))), "MSG_???")
	f.sep()
	addr, lenp := f.arg(4), f.arg(5)
	ulen, rlen, haveIn, haveOut := f.socklens(5)
	switch {
	case addr == 0 || lenp == 0:
		f.addr(addr)
		f.sep()
		f.addr(lenp)
	case f.failed() || !haveOut:
		f.addr(addr)
		f.sep()
		if haveIn {
			f.s("[")
			f.d(ulen)
			f.s("]")
		} else {
			f.addr(lenp)
		}
	default:
		n := ulen
		if rlen < n {
			n = rlen
		}
		f.sockaddr(argKey(4), addr, n, true)
		f.sep()
		f.socklen(ulen, rlen)
	}
}
