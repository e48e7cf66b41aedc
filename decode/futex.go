package decode

// futex(uaddr, op, val, timeout|val2, uaddr2, val3): the arguments each
// operation uses (strace's futex.c).

const (
	futexWait          = 0
	futexWake          = 1
	futexFD            = 2
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWakeOp        = 5
	futexLockPI        = 6
	futexUnlockPI      = 7
	futexTrylockPI     = 8
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexWaitRequeuePI = 11
	futexCmpRequeuePI  = 12
	futexLockPI2       = 13
	futexPrivate       = 128
	futexClockRealtime = 256
)

var futexOps = xlat{
	{0, "FUTEX_WAIT"}, {1, "FUTEX_WAKE"}, {2, "FUTEX_FD"}, {3, "FUTEX_REQUEUE"}, {4, "FUTEX_CMP_REQUEUE"},
	{5, "FUTEX_WAKE_OP"}, {6, "FUTEX_LOCK_PI"}, {7, "FUTEX_UNLOCK_PI"}, {8, "FUTEX_TRYLOCK_PI"},
	{9, "FUTEX_WAIT_BITSET"}, {10, "FUTEX_WAKE_BITSET"}, {11, "FUTEX_WAIT_REQUEUE_PI"},
	{12, "FUTEX_CMP_REQUEUE_PI"}, {13, "FUTEX_LOCK_PI2"},
	{0 | futexPrivate, "FUTEX_WAIT_PRIVATE"}, {1 | futexPrivate, "FUTEX_WAKE_PRIVATE"},
	{2 | futexPrivate, "FUTEX_FD|FUTEX_PRIVATE_FLAG"}, {3 | futexPrivate, "FUTEX_REQUEUE_PRIVATE"},
	{4 | futexPrivate, "FUTEX_CMP_REQUEUE_PRIVATE"}, {5 | futexPrivate, "FUTEX_WAKE_OP_PRIVATE"},
	{6 | futexPrivate, "FUTEX_LOCK_PI_PRIVATE"}, {7 | futexPrivate, "FUTEX_UNLOCK_PI_PRIVATE"},
	{8 | futexPrivate, "FUTEX_TRYLOCK_PI_PRIVATE"}, {9 | futexPrivate, "FUTEX_WAIT_BITSET_PRIVATE"},
	{10 | futexPrivate, "FUTEX_WAKE_BITSET_PRIVATE"}, {11 | futexPrivate, "FUTEX_WAIT_REQUEUE_PI_PRIVATE"},
	{12 | futexPrivate, "FUTEX_CMP_REQUEUE_PI_PRIVATE"}, {13 | futexPrivate, "FUTEX_LOCK_PI2_PRIVATE"},
	{0 | futexClockRealtime, "FUTEX_WAIT|FUTEX_CLOCK_REALTIME"},
	{0 | futexPrivate | futexClockRealtime, "FUTEX_WAIT_PRIVATE|FUTEX_CLOCK_REALTIME"},
	{9 | futexClockRealtime, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME"},
	{9 | futexPrivate | futexClockRealtime, "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"},
	{11 | futexClockRealtime, "FUTEX_WAIT_REQUEUE_PI|FUTEX_CLOCK_REALTIME"},
	{11 | futexPrivate | futexClockRealtime, "FUTEX_WAIT_REQUEUE_PI_PRIVATE|FUTEX_CLOCK_REALTIME"},
}

var (
	futexBitset  = xlat{{0xffffffff, "FUTEX_BITSET_MATCH_ANY"}}
	futexWakeOps = xlat{{0, "FUTEX_OP_SET"}, {1, "FUTEX_OP_ADD"}, {2, "FUTEX_OP_OR"}, {3, "FUTEX_OP_ANDN"}, {4, "FUTEX_OP_XOR"}}
	futexWakeCmp = xlat{{0, "FUTEX_OP_CMP_EQ"}, {1, "FUTEX_OP_CMP_NE"}, {2, "FUTEX_OP_CMP_LT"}, {3, "FUTEX_OP_CMP_LE"}, {4, "FUTEX_OP_CMP_GT"}, {5, "FUTEX_OP_CMP_GE"}}
)

// futexTakesTimeout reports whether op's fourth argument is a timespec.
func futexTakesTimeout(op uint32) bool {
	switch op & 127 {
	case futexWait, futexLockPI, futexLockPI2, futexWaitBitset, futexWaitRequeuePI:
		return true
	}
	return false
}

func capFutex(cp *Capture, _ bool) {
	if futexTakesTimeout(uint32(cp.arg(1))) {
		cp.captureTimespec(3)
	}
}

func fmtFutex(f *formatter) {
	f.ptr(0)
	f.sep()
	op := uint32(f.arg(1))
	f.xval(futexOps, uint64(op), "FUTEX_???")
	val, val2, val3 := uint32(f.arg(2)), uint32(f.arg(3)), uint32(f.arg(5))
	timeout := func() { f.sep(); f.timespec(3, f.seg(argKey(3))) }
	switch op & 127 {
	case futexWait:
		f.sep()
		f.u(uint64(val))
		timeout()
	case futexLockPI, futexLockPI2:
		timeout()
	case futexWaitBitset:
		f.sep()
		f.u(uint64(val))
		timeout()
		f.sep()
		f.xval(futexBitset, uint64(val3), "")
	case futexWakeBitset:
		f.sep()
		f.u(uint64(val))
		f.sep()
		f.xval(futexBitset, uint64(val3), "")
	case futexRequeue:
		f.sep()
		f.u(uint64(val))
		f.sep()
		f.u(uint64(val2))
		f.sep()
		f.ptr(4)
	case futexCmpRequeue, futexCmpRequeuePI:
		f.sep()
		f.u(uint64(val))
		f.sep()
		f.u(uint64(val2))
		f.sep()
		f.ptr(4)
		f.sep()
		f.u(uint64(val3))
	case futexWakeOp:
		f.sep()
		f.u(uint64(val))
		f.sep()
		f.u(uint64(val2))
		f.sep()
		f.ptr(4)
		f.sep()
		if val3>>28&8 != 0 {
			f.s("FUTEX_OP_OPARG_SHIFT<<28|")
		}
		if s, ok := futexWakeOps.lookup(uint64(val3 >> 28 & 7)); ok {
			f.s(s)
			f.s("<<28")
		} else {
			f.x(uint64(val3 >> 28 & 7))
			f.s("<<28")
			f.comment("FUTEX_OP_???")
		}
		f.s("|")
		f.x(uint64(val3 >> 12 & 0xfff))
		f.s("<<12|")
		if s, ok := futexWakeCmp.lookup(uint64(val3 >> 24 & 0xf)); ok {
			f.s(s)
			f.s("<<24")
		} else {
			f.x(uint64(val3 >> 24 & 0xf))
			f.s("<<24")
			f.comment("FUTEX_OP_CMP_???")
		}
		f.s("|")
		f.x(uint64(val3 & 0xfff))
	case futexWaitRequeuePI:
		f.sep()
		f.u(uint64(val))
		timeout()
		f.sep()
		f.ptr(4)
	case futexFD, futexWake:
		f.sep()
		f.u(uint64(val))
	case futexUnlockPI, futexTrylockPI:
	default:
		f.sep()
		f.u(uint64(val))
		f.sep()
		f.ptr(3)
		f.sep()
		f.ptr(4)
		f.sep()
		f.x(uint64(val3))
	}
}
