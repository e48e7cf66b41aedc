package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// capabilityNumbers maps the names of linux/capability.h, without "cap_".
var capabilityNumbers = map[string]int{
	"chown": unix.CAP_CHOWN, "dac_override": unix.CAP_DAC_OVERRIDE, "dac_read_search": unix.CAP_DAC_READ_SEARCH,
	"fowner": unix.CAP_FOWNER, "fsetid": unix.CAP_FSETID, "kill": unix.CAP_KILL,
	"setgid": unix.CAP_SETGID, "setuid": unix.CAP_SETUID, "setpcap": unix.CAP_SETPCAP,
	"linux_immutable": unix.CAP_LINUX_IMMUTABLE, "net_bind_service": unix.CAP_NET_BIND_SERVICE,
	"net_broadcast": unix.CAP_NET_BROADCAST, "net_admin": unix.CAP_NET_ADMIN, "net_raw": unix.CAP_NET_RAW,
	"ipc_lock": unix.CAP_IPC_LOCK, "ipc_owner": unix.CAP_IPC_OWNER, "sys_module": unix.CAP_SYS_MODULE,
	"sys_rawio": unix.CAP_SYS_RAWIO, "sys_chroot": unix.CAP_SYS_CHROOT, "sys_ptrace": unix.CAP_SYS_PTRACE,
	"sys_pacct": unix.CAP_SYS_PACCT, "sys_admin": unix.CAP_SYS_ADMIN, "sys_boot": unix.CAP_SYS_BOOT,
	"sys_nice": unix.CAP_SYS_NICE, "sys_resource": unix.CAP_SYS_RESOURCE, "sys_time": unix.CAP_SYS_TIME,
	"sys_tty_config": unix.CAP_SYS_TTY_CONFIG, "mknod": unix.CAP_MKNOD, "lease": unix.CAP_LEASE,
	"audit_write": unix.CAP_AUDIT_WRITE, "audit_control": unix.CAP_AUDIT_CONTROL, "setfcap": unix.CAP_SETFCAP,
	"mac_override": unix.CAP_MAC_OVERRIDE, "mac_admin": unix.CAP_MAC_ADMIN, "syslog": unix.CAP_SYSLOG,
	"wake_alarm": unix.CAP_WAKE_ALARM, "block_suspend": unix.CAP_BLOCK_SUSPEND, "audit_read": unix.CAP_AUDIT_READ,
	"perfmon": unix.CAP_PERFMON, "bpf": unix.CAP_BPF, "checkpoint_restore": unix.CAP_CHECKPOINT_RESTORE,
}

// keepSet is the --capabilities.keep value: the capabilities to keep, or
// all of them.
type keepSet struct {
	all  bool
	mask uint64
}

// parseKeep reads "all", "none", or capability names separated by commas
// (cap_sys_ptrace, CAP_SYS_PTRACE and sys_ptrace alike).
func parseKeep(s string) (keepSet, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "all":
		return keepSet{all: true}, nil
	case "none", "":
		return keepSet{}, nil
	}
	var k keepSet
	for _, name := range strings.Split(s, ",") {
		key := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "cap_")
		n, ok := capabilityNumbers[key]
		if !ok {
			return k, fmt.Errorf("--capabilities.keep: unknown capability %q (names as in capabilities(7), e.g. cap_sys_ptrace; or all, none)", name)
		}
		k.mask |= 1 << n
	}
	return k, nil
}

func (k keepSet) String() string {
	if k.all {
		return "all"
	}
	var names []string
	for name, n := range capabilityNumbers {
		if k.mask&(1<<n) != 0 {
			names = append(names, "cap_"+name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

var errCgoBuild = errors.New("a build with cgo cannot change the capabilities of every thread; build with CGO_ENABLED=0, as the release does")

// dropCapabilities keeps only k of the exporter's capabilities, in every
// thread: capabilities belong to threads, and any thread of a Go program
// may run any goroutine, an HTTP handler as much as the tracer. Three
// all-thread calls: no_new_privs, so that no execve grants anything back
// (setuid bits and file capabilities ignored, a root execve held to the
// permitted set it had); the ambient set cleared; then effective,
// permitted and inheritable cut to k.
//
// The bounding set stays as it was: it only bounds what an execve may
// grant, which no_new_privs makes nothing, and shrinking it takes one
// all-thread call per capability, each a stop-the-world and a signal to
// every thread: 41 as root cost 2 ms, a fifth of the start-up of a
// launched command.
func dropCapabilities(k keepSet) error {
	if k.all {
		return nil
	}
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", threadsErr(e))
	}
	// EINVAL: a kernel before ambient capabilities (4.3), nothing to clear.
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0); e != 0 && e != unix.EINVAL {
		return fmt.Errorf("PR_CAP_AMBIENT_CLEAR_ALL: %w", threadsErr(e))
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	for i := range data {
		keep := uint32(k.mask >> (32 * i))
		data[i].Effective &= keep
		data[i].Permitted &= keep
		data[i].Inheritable &= keep
	}
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		return fmt.Errorf("capset: %w", threadsErr(e))
	}
	return nil
}

func threadsErr(e syscall.Errno) error {
	if e == syscall.ENOTSUP {
		return errCgoBuild
	}
	return e
}
