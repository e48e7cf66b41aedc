package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// decoder is one syscall's two halves: what to read (nil: nothing) and
// how to print its arguments.
type decoder struct {
	capture func(cp *Capture, atEntry bool)
	format  func(f *formatter)
	// entry: the call needs a read at its entry stop too (NeedsEntry).
	entry bool
}

// decoders by syscall name; a name missing on an arch is simply absent
// there (aarch64 has only the *at forms). Calls not here print in the
// generic form.
var decoders = map[string]*decoder{
	// Paths.
	"open":       {capture: capPaths(0), format: fmtOpen},
	"openat":     {capture: capPaths(1), format: fmtOpenat},
	"openat2":    {capture: capOpenat2, format: fmtOpenat2},
	"creat":      {capture: capPaths(0), format: fmtCreat},
	"stat":       {capture: capStatAt(0, 1), format: fmtStat},
	"lstat":      {capture: capStatAt(0, 1), format: fmtStat},
	"fstat":      {capture: capStatAt(-1, 1), format: fmtFstat},
	"newfstatat": {capture: capStatAt(1, 2), format: fmtNewfstatat},
	"stat64":     {capture: capStatAt(0, 1), format: fmtStat},
	"lstat64":    {capture: capStatAt(0, 1), format: fmtStat},
	"fstat64":    {capture: capStatAt(-1, 1), format: fmtFstat},
	"fstatat64":  {capture: capStatAt(1, 2), format: fmtNewfstatat},
	"statx":      {capture: capStatx, format: fmtStatx},
	"access":     {capture: capPaths(0), format: fmtAccess},
	"faccessat":  {capture: capPaths(1), format: fmtFaccessat},
	"faccessat2": {capture: capPaths(1), format: fmtFaccessat2},
	"readlink":   {capture: capReadlinkAt(0), format: fmtReadlink},
	"readlinkat": {capture: capReadlinkAt(1), format: fmtReadlinkat},
	"unlink":     {capture: capPaths(0), format: fmtPath},
	"unlinkat":   {capture: capPaths(1), format: fmtUnlinkat},
	"rmdir":      {capture: capPaths(0), format: fmtPath},
	"chdir":      {capture: capPaths(0), format: fmtPath},
	"chroot":     {capture: capPaths(0), format: fmtPath},
	"acct":       {capture: capPaths(0), format: fmtPath},
	"fchdir":     {format: fmtFD},
	"rename":     {capture: capPaths(0, 1), format: fmtTwoPaths},
	"renameat":   {capture: capPaths(1, 3), format: fmtRenameat},
	"renameat2":  {capture: capPaths(1, 3), format: fmtRenameat2},
	"link":       {capture: capPaths(0, 1), format: fmtTwoPaths},
	"linkat":     {capture: capPaths(1, 3), format: fmtLinkat},
	"symlink":    {capture: capPaths(0, 1), format: fmtTwoPaths},
	"symlinkat":  {capture: capPaths(0, 2), format: fmtSymlinkat},
	"mkdir":      {capture: capPaths(0), format: fmtPathMode},
	"mkdirat":    {capture: capPaths(1), format: fmtAtPathMode},
	"chmod":      {capture: capPaths(0), format: fmtPathMode},
	"fchmod":     {format: fmtFdMode},
	"fchmodat":   {capture: capPaths(1), format: fmtAtPathMode},
	"chown":      {capture: capPaths(0), format: fmtChown},
	"lchown":     {capture: capPaths(0), format: fmtChown},
	"fchown":     {format: fmtFchown},
	"chown32":    {capture: capPaths(0), format: fmtChown},
	"lchown32":   {capture: capPaths(0), format: fmtChown},
	"fchown32":   {format: fmtFchown},
	"fchownat":   {capture: capPaths(1), format: fmtFchownat},
	"truncate":   {capture: capPaths(0), format: fmtTruncate},
	"ftruncate":  {format: fmtFtruncate},
	"utimensat":  {capture: capUtimensat, format: fmtUtimensat},
	"mknod":      {capture: capPaths(0), format: fmtMknod},
	"mknodat":    {capture: capPaths(1), format: fmtMknodat},
	"execve":     {capture: capExecAt(0), format: fmtExecve, entry: true},
	"execveat":   {capture: capExecAt(1), format: fmtExecveat, entry: true},
	"getcwd":     {capture: capGetcwd, format: fmtGetcwd},

	// Descriptors and data.
	"read":      {capture: capRead, format: fmtRead},
	"write":     {capture: capWrite, format: fmtWrite},
	"pread64":   {capture: capRead, format: fmtPread},
	"pwrite64":  {capture: capWrite, format: fmtPwrite},
	"readv":     {capture: capReadv, format: fmtReadv},
	"writev":    {capture: capWritev, format: fmtWritev},
	"close":     {format: fmtFD},
	"fsync":     {format: fmtFD},
	"fdatasync": {format: fmtFD},
	"syncfs":    {format: fmtFD},
	"dup":       {format: fmtDup},
	"dup2":      {format: fmtDup2},
	"dup3":      {format: fmtDup3},
	"lseek":     {format: fmtLseek},
	"pipe":      {capture: capPipe, format: fmtPipe},
	"pipe2":     {capture: capPipe, format: fmtPipe2},
	"fcntl":     {capture: capFcntlAs(false), format: fmtFcntl},
	"fcntl64":   {capture: capFcntlAs(true), format: fmtFcntl64},
	"ioctl":     {capture: capIoctl, format: fmtIoctl},
	"umask":     {format: fmtUmask},

	// Sockets.
	"socket":      {format: fmtSocket},
	"socketpair":  {capture: capSocketpair, format: fmtSocketpair},
	"bind":        {capture: capSockaddrArg, format: fmtBind},
	"connect":     {capture: capSockaddrArg, format: fmtConnect},
	"listen":      {format: fmtListen},
	"shutdown":    {format: fmtShutdown},
	"accept":      {capture: capSockname, format: fmtAccept, entry: true},
	"accept4":     {capture: capSockname, format: fmtAccept4, entry: true},
	"getsockname": {capture: capSockname, format: fmtGetsockname, entry: true},
	"getpeername": {capture: capSockname, format: fmtGetpeername, entry: true},
	"sendto":      {capture: capSendto, format: fmtSendto},
	"recvfrom":    {capture: capRecvfrom, format: fmtRecvfrom, entry: true},

	// Memory.
	"mmap":     {format: fmtMmap},
	"mmap2":    {format: fmtMmap2},
	"mprotect": {format: fmtMprotect},
	"munmap":   {format: fmtMunmap},
	"brk":      {format: fmtBrk},
	"mremap":   {format: fmtMremap},
	"madvise":  {format: fmtMadvise},

	// Processes, signals, waiting.
	"clone":           {capture: capClone, format: fmtClone},
	"clone3":          {capture: capClone3, format: fmtClone3},
	"exit":            {format: fmtExit},
	"exit_group":      {format: fmtExit},
	"wait4":           {capture: capWait4, format: fmtWait4},
	"kill":            {format: fmtKill},
	"tkill":           {format: fmtKill},
	"tgkill":          {format: fmtTgkill},
	"rt_sigaction":    {capture: capSigaction, format: fmtRtSigaction},
	"rt_sigprocmask":  {capture: capSigmask(1, 2, 3), format: fmtRtSigprocmask},
	"rt_sigsuspend":   {capture: capSigmask(0, -1, 1), format: fmtRtSigsuspend},
	"futex":           {capture: capFutex, format: fmtFutex},
	"nanosleep":       {capture: capNanosleepAt(0), format: fmtNanosleep},
	"clock_nanosleep": {capture: capNanosleepAt(2), format: fmtClockNanosleep},
	"set_robust_list": {format: fmtMunmap},
	"getpgid":         {format: fmtInt},
	"getsid":          {format: fmtInt},
	"setpgid":         {format: fmtTwoInts},
	"setuid":          {format: fmtUID},
	"setgid":          {format: fmtUID},
	"setuid32":        {format: fmtUID},
	"setgid32":        {format: fmtUID},

	// Extended attributes, limits, and what a program's start calls.
	"getxattr":     {capture: capXattr(0, false), format: fmtGetxattr},
	"lgetxattr":    {capture: capXattr(0, false), format: fmtGetxattr},
	"fgetxattr":    {capture: capXattr(-1, false), format: fmtFgetxattr},
	"setxattr":     {capture: capXattr(0, true), format: fmtSetxattr},
	"lsetxattr":    {capture: capXattr(0, true), format: fmtSetxattr},
	"fsetxattr":    {capture: capXattr(-1, true), format: fmtFsetxattr},
	"listxattr":    {capture: capListxattr(0), format: fmtListxattr},
	"llistxattr":   {capture: capListxattr(0), format: fmtListxattr},
	"flistxattr":   {capture: capListxattr(-1), format: fmtFlistxattr},
	"removexattr":  {capture: capPaths(0, 1), format: fmtRemovexattr},
	"lremovexattr": {capture: capPaths(0, 1), format: fmtRemovexattr},
	"fremovexattr": {capture: capXattrName, format: fmtFremovexattr},
	"prlimit64":    {capture: capPrlimit, format: fmtPrlimit},
	"getrlimit":    {capture: capRlimit(true), format: fmtGetrlimit},
	"setrlimit":    {capture: capRlimit(false), format: fmtSetrlimit},
	"uname":        {capture: capUname, format: fmtUname},
	"getrandom":    {capture: capGetrandom, format: fmtGetrandom},
	"arch_prctl":   {capture: capArchPrctl, format: fmtArchPrctl},
	"fadvise64":    {format: fmtFadvise64},
	"close_range":  {format: fmtCloseRange},
	"statfs":       {capture: capStatfsAt(0), format: fmtStatfs},
	"fstatfs":      {capture: capStatfsAt(-1), format: fmtFstatfs},
	"sysinfo":      {capture: capSysinfo, format: fmtSysinfo},
	"getdents64":   {capture: capGetdentsAs(true), format: fmtGetdents},
	"getdents":     {capture: capGetdentsAs(false), format: fmtGetdents},
}

// notOn lists names whose call on an arch is another than the one the
// decoder knows: i386's mmap is old_mmap (its arguments in memory), its
// stat, lstat and fstat fill the old struct stat, not stat64.
var notOn = map[syscalls.Arch][]string{
	// i386's sysinfo strace itself reads with the 64-bit layout.
	syscalls.I386: {"mmap", "stat", "lstat", "fstat", "sysinfo"},
	// aarch64's fadvise64 is fadvise64_64, and its getrlimit is absent.
	syscalls.AArch64: {"fadvise64"},
}

// byArch holds each arch's decoders indexed by syscall number.
var byArch = buildTables()

func buildTables() [len(syscalls.Arches)][]*decoder {
	var t [len(syscalls.Arches)][]*decoder
	for _, a := range syscalls.Arches {
		table := make([]*decoder, syscalls.Max(a))
		for name, d := range decoders {
			if nr, ok := syscalls.Lookup(a, name); ok {
				table[nr] = d
			}
		}
		for _, name := range notOn[a] {
			if nr, ok := syscalls.Lookup(a, name); ok {
				table[nr] = nil
			}
		}
		t[a.Index()] = table
	}
	return t
}

// lookup returns the decoder of syscall nr on arch a, or nil.
func lookup(a syscalls.Arch, nr uint32) *decoder {
	i := a.Index()
	if i >= len(byArch) {
		return nil
	}
	if t := byArch[i]; nr < uint32(len(t)) {
		return t[nr]
	}
	return nil
}

// Decoded reports whether syscall nr on arch a has a decoder of its own,
// rather than the generic form.
func Decoded(a syscalls.Arch, nr uint32) bool { return lookup(a, nr) != nil }
