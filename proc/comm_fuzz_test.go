package proc

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// FuzzParseComm holds label values read from /proc/PID/task/TID/comm to
// what a scrape accepts. A thread names itself: up to 15 bytes of anything
// but NUL, cut by the kernel even inside a UTF-8 character, with spaces or
// newlines if it likes. Seeds are in testdata/fuzz/FuzzParseComm.
func FuzzParseComm(f *testing.F) {
	desc := prometheus.NewDesc("syscall_calls_total", "fuzz", []string{"thread"}, nil)
	f.Fuzz(func(t *testing.T, file []byte) {
		got := ParseComm(file)
		if got == "" {
			t.Fatalf("ParseComm(%q) is empty; a label value must name something", file)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("ParseComm(%q) = %q is not UTF-8: the scrape would fail", file, got)
		}
		if _, err := prometheus.NewConstMetric(desc, prometheus.CounterValue, 1, got); err != nil {
			t.Fatalf("ParseComm(%q) = %q: %v", file, got, err)
		}
		// A valid name comes back as the kernel wrote it, less the newline.
		name := bytes.TrimSuffix(file, []byte{'\n'})
		if len(name) > 0 && utf8.Valid(name) && got != string(name) {
			t.Errorf("ParseComm(%q) = %q, want %q", file, got, name)
		}
	})
}
