package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
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
// may run any goroutine, an HTTP handler as much as the tracer. The
// bounding set goes first (that needs CAP_SETPCAP, which may go next),
// then the ambient set, then effective, permitted and inheritable.
func dropCapabilities(k keepSet) error {
	if k.all {
		return nil
	}
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, 0, 0); e == syscall.ENOTSUP {
		return errCgoBuild
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	effective := uint64(data[0].Effective) | uint64(data[1].Effective)<<32
	last := lastCap()
	for n := 0; n <= last; n++ {
		if k.mask&(1<<n) != 0 {
			continue
		}
		if in, _ := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0); in != 1 {
			continue
		}
		if effective&(1<<unix.CAP_SETPCAP) == 0 {
			break // the bounding set cannot shrink; permitted still can
		}
		if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(n), 0); e != 0 {
			return fmt.Errorf("PR_CAPBSET_DROP %d: %w", n, threadsErr(e))
		}
	}
	// EINVAL: a kernel before ambient capabilities (4.3), nothing to clear.
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0); e != 0 && e != unix.EINVAL {
		return fmt.Errorf("PR_CAP_AMBIENT_CLEAR_ALL: %w", threadsErr(e))
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

// lastCap is the highest capability this kernel knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n < 64 {
			return n
		}
	}
	return unix.CAP_LAST_CAP
}
