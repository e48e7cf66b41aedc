package decode

// timespecs and the sleeps: nanosleep(req, rem), clock_nanosleep(clock,
// flags, req, rem). rem prints only for a sleep a signal interrupted;
// otherwise its address, as strace does (the kernel did not write it).

func timespecSize(ws int) int { return 2 * ws }

func (f *formatter) timespecAt(b []byte) (sec int64, nsec uint64) {
	if f.ws == 4 {
		return int64(int32(le32(b))), uint64(int64(int32(le32(b[4:]))))
	}
	return int64(le64(b)), le64(b[8:])
}

func (f *formatter) timespecFields(sec int64, nsec uint64) {
	f.s("{tv_sec=")
	f.d(sec)
	f.s(", tv_nsec=")
	f.u(nsec)
	f.s("}")
}

// timespec prints a struct timespec the call takes, or its pointer.
func (f *formatter) timespec(i int, b []byte) {
	if b == nil {
		f.ptr(i)
		return
	}
	f.timespecFields(f.timespecAt(b))
}

func (cp *Capture) captureTimespec(i int) {
	if cp.structs() {
		cp.readExact(argKey(i), cp.arg(i), timespecSize(cp.wordsize()))
	}
}

// interrupted reports a call a signal interrupted: its rem is written.
func (f *formatter) interrupted() bool {
	return f.returned() && (f.c.Errno == 4 || f.c.Errno >= 512 && f.c.Errno <= 516)
}

func capNanosleepAt(req int) func(*Capture, bool) {
	return func(cp *Capture, _ bool) {
		cp.captureTimespec(req)
		c := cp.call
		if c.Exit != 0 && (c.Errno == 4 || c.Errno >= 512 && c.Errno <= 516) {
			cp.captureTimespec(req + 1)
		}
	}
}

func (f *formatter) rem(i int) {
	if f.interrupted() {
		f.timespec(i, f.seg(argKey(i)))
		return
	}
	f.ptr(i)
}

func fmtNanosleep(f *formatter) {
	f.timespec(0, f.seg(argKey(0)))
	f.sep()
	f.rem(1)
}

var clockNames = xlat{
	{0, "CLOCK_REALTIME"}, {1, "CLOCK_MONOTONIC"}, {2, "CLOCK_PROCESS_CPUTIME_ID"}, {3, "CLOCK_THREAD_CPUTIME_ID"},
	{4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"}, {6, "CLOCK_MONOTONIC_COARSE"}, {7, "CLOCK_BOOTTIME"},
	{8, "CLOCK_REALTIME_ALARM"}, {9, "CLOCK_BOOTTIME_ALARM"}, {10, "CLOCK_SGI_CYCLE"}, {11, "CLOCK_TAI"},
}

var clockFlags = xlat{{1, "TIMER_ABSTIME"}}

// clock prints a clockid; strace spells out the negative CPU-clock and
// fd-clock ids (MAKE_PROCESS_CPUCLOCK...), which print as numbers here.
func (f *formatter) clock(i int) {
	id := int32(f.arg(i))
	if id < 0 {
		f.d(int64(id))
		return
	}
	f.xval(clockNames, uint64(uint32(id)), "CLOCK_???")
}

func fmtClockNanosleep(f *formatter) {
	f.clock(0)
	f.sep()
	f.flags(clockFlags, uint64(uint32(f.arg(1))), "TIMER_???")
	f.sep()
	f.timespec(2, f.seg(argKey(2)))
	f.sep()
	f.rem(3)
}
