package testprog

// EintrMode is one mode of src/eintr.c and what the kernel makes of it,
// counted as the exporter counts (at entry; a restarted call twice), the
// same for every backend.
type EintrMode struct {
	Flag   string            // eintr's argument ("" for the default mode)
	Output string            // what eintr prints, traced or not
	Calls  map[string]uint64 // per syscall, by the program's main thread
	Errs   map[string]uint64 // per "syscall ERRNO"
}

// EintrModes are eintr's modes. sigreturn names the call its handlers
// return by: rt_sigreturn, or sigreturn for an i386 build.
func EintrModes(sigreturn string) []EintrMode {
	return []EintrMode{
		{
			Output: "pause -1 4\nrt_sigsuspend -1 4\nnanosleep -1 4\nread -1 4\nread 1 0\n",
			// read: the loader's, the interrupted one, and the SA_RESTART
			// one twice.
			Calls: map[string]uint64{"pause": 1, "rt_sigsuspend": 1, "nanosleep": 1, "read": 4, sigreturn: 5, "setitimer": 5},
			Errs:  map[string]uint64{"pause EINTR": 1, "rt_sigsuspend EINTR": 1, "nanosleep EINTR": 1, "read EINTR": 1},
		},
		{
			Flag:   "-j",
			Output: "getppid",
			Calls:  map[string]uint64{"nanosleep": 1, "getppid": 1, sigreturn: 0, "rt_sigprocmask": 2},
			Errs:   map[string]uint64{},
		},
		{
			Flag:   "-n",
			Output: "inner-nanosleep -1 4\npause -1 4\n",
			Calls:  map[string]uint64{"pause": 1, "nanosleep": 1, sigreturn: 2, "setitimer": 2},
			Errs:   map[string]uint64{"pause EINTR": 1, "nanosleep EINTR": 1},
		},
	}
}
