package syscalls

import (
	"slices"
	"testing"
)

// A misspelt name in a class would silently select nothing.
func TestClassMembersAreSyscalls(t *testing.T) {
	for class, names := range classes {
		for _, name := range names {
			if !isKnownName(name) {
				t.Errorf("class %s: %q is no syscall on any arch", class, name)
			}
		}
		sorted := slices.Clone(names)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != len(names) {
			t.Errorf("class %s lists a name twice", class)
		}
	}
}

func TestClass(t *testing.T) {
	for _, class := range []string{"file", "desc", "network", "net", "process", "signal", "memory", "ipc", "creds", "clock", "stat", "lstat", "fstat", "%stat", "statfs", "fstatfs", "%statfs", "pure"} {
		names, ok := Class(class)
		if !ok || len(names) == 0 {
			t.Errorf("Class(%q) = %v, %v", class, names, ok)
		}
		if !slices.IsSorted(names) {
			t.Errorf("Class(%q) is not sorted", class)
		}
	}
	for _, class := range []string{"", "%file", "files", "FILE"} {
		if names, ok := Class(class); ok {
			t.Errorf("Class(%q) = %v, true", class, names)
		}
	}

	net, _ := Class("net")
	network, _ := Class("network")
	if !slices.Equal(net, network) {
		t.Error(`Class("net") differs from Class("network")`)
	}
	// The caller owns the result.
	network[0] = "changed"
	if again, _ := Class("network"); again[0] == "changed" {
		t.Error("Class returns shared storage")
	}
}

func TestClassSpotChecks(t *testing.T) {
	in := map[string][]string{
		"file":    {"open", "openat", "execve", "stat", "unlinkat", "statx"},
		"desc":    {"read", "write", "close", "openat", "epoll_wait", "mmap"},
		"network": {"socket", "connect", "sendto", "recvmsg", "accept4"},
		"process": {"clone", "clone3", "fork", "execve", "exit", "exit_group", "wait4", "kill"},
		"signal":  {"rt_sigaction", "rt_sigprocmask", "kill", "sigaltstack"},
		"memory":  {"mmap", "munmap", "mprotect", "brk", "madvise"},
	}
	out := map[string][]string{
		"file":    {"read", "close", "fstat"},
		"desc":    {"stat", "access", "getpid"},
		"network": {"read", "write"},
		"process": {"getpid", "futex"},
		"signal":  {"futex"},
		"memory":  {"read", "futex"},
	}
	for class, names := range in {
		members, _ := Class(class)
		for _, name := range names {
			if !slices.Contains(members, name) {
				t.Errorf("%%%s lacks %s", class, name)
			}
		}
		for _, name := range out[class] {
			if slices.Contains(members, name) {
				t.Errorf("%%%s has %s", class, name)
			}
		}
	}
}

// Each of the main classes should select something on every arch, or a
// name mismatch with a table has crept in.
func TestClassesResolveOnEveryArch(t *testing.T) {
	for _, class := range []string{"file", "desc", "network", "process", "signal", "memory", "ipc", "creds", "clock", "fstat", "pure"} {
		f, err := Parse("%" + class)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range Arches {
			if len(f.Numbers(a)) == 0 {
				t.Errorf("%%%s selects nothing on %s", class, a)
			}
		}
	}
	f, _ := Parse("%stat")
	if nrs := f.Numbers(AArch64); len(nrs) != 0 {
		t.Errorf("%%stat on aarch64 = %v, want nothing: it has only newfstatat and statx", nrs)
	}
}
