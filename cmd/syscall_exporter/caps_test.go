package main

import (
	"strings"
	"testing"
)

func TestParseKeep(t *testing.T) {
	for _, tc := range []struct {
		in   string
		mask uint64
		all  bool
		str  string
	}{
		{"cap_sys_ptrace,cap_dac_read_search", 1<<19 | 1<<2, false, "cap_dac_read_search,cap_sys_ptrace"},
		{"CAP_SYS_PTRACE", 1 << 19, false, "cap_sys_ptrace"},
		{" sys_ptrace , bpf", 1<<19 | 1<<39, false, "cap_bpf,cap_sys_ptrace"},
		{"none", 0, false, "none"},
		{"all", 0, true, "all"},
	} {
		k, err := parseKeep(tc.in)
		if err != nil || k.mask != tc.mask || k.all != tc.all || k.String() != tc.str {
			t.Errorf("parseKeep(%q) = %+v (%s), %v; want mask %#x all %v (%s)", tc.in, k, k, err, tc.mask, tc.all, tc.str)
		}
	}
	for _, bad := range []string{"cap_sys_ptrac", "cap_sys_ptrace,,", "ptrace\nall"} {
		_, err := parseKeep(bad)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "--capabilities.keep") {
			t.Errorf("parseKeep(%q): %v; want one line naming the flag", bad, err)
		}
	}
}
