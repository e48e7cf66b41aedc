package main

import (
	"strings"
	"testing"
	"time"
)

// FuzzMatchFlags holds --match.comm and --match.cmdline to the rules for
// bad input and for untrusted text: a bad expression is one line naming
// the flag; a good one matches any comm or command line a process can
// show, in time linear in its length (Go's RE2 engine; no backtracking).
// Seeds are in testdata/fuzz/FuzzMatchFlags.
func FuzzMatchFlags(f *testing.F) {
	f.Fuzz(func(t *testing.T, expr, text string) {
		flags := discoveryFlags{MatchComm: []string{expr}, MatchCmdline: []string{expr}, DiscoveryInterval: time.Second}
		m, err := flags.compile()
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "--match.") {
				t.Errorf("--match.comm=%q: error is not one line naming the flag: %q", expr, msg)
			}
			return
		}
		if len(m.Comm) != 1 || len(m.Cmdline) != 1 {
			t.Fatalf("%q: %d comm and %d cmdline expressions, want 1 each", expr, len(m.Comm), len(m.Cmdline))
		}
		long := strings.Repeat(text+" ", 4096/(len(text)+1)+1)
		start := time.Now()
		m.Comm[0].MatchString(text)
		m.Cmdline[0].MatchString(long)
		if d := time.Since(start); d > time.Second {
			t.Errorf("%q took %v on %d bytes", expr, d, len(long))
		}
	})
}
