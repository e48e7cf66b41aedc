package decode_test

import (
	"strings"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

// A capture's compact form formats as the capture does, costs what was
// read, writes and reads without allocating, and a damaged one is
// refused, leaving an empty capture.
func TestCompactFormRoundTrips(t *testing.T) {
	sin := bytesAt(inet(443, [4]byte{127, 0, 0, 1}))
	cases := map[string]struct {
		call []uint64
		name string
		ret  int64
	}{
		"openat":   {[]uint64{atFDCWD, cstr("/etc/app/tls.pem"), 0}, "openat", -2},
		"renameat": {[]uint64{atFDCWD, cstr(strings.Repeat("a", 300)), atFDCWD, cstr("b")}, "renameat", 0},
		"write":    {[]uint64{1, bytesAt([]byte(strings.Repeat("d", 100))), 100}, "write", 100},
		"connect":  {[]uint64{3, sin, 16}, "connect", -111},
		"execve":   {[]uint64{cstr("/x"), words("a", "b"), words("A=1")}, "execve", -2},
	}
	buf := make([]byte, 16<<10)
	for name, tc := range cases {
		c := call(t, tc.name, tc.ret, tc.call...)
		var cp, back decode.Capture
		if decode.NeedsEntry(c) {
			cp.Entry(c, self, decode.ModeAll)
		}
		cp.Exit(c, self, decode.ModeAll)
		n := cp.WriteCompact(buf)
		if n != cp.CompactSize() || n > 400 {
			t.Errorf("%s: wrote %d bytes, CompactSize %d", name, n, cp.CompactSize())
		}
		if !back.ReadCompact(buf[:n]) {
			t.Fatalf("%s: its compact form does not read back", name)
		}
		if got, want := decode.Format(c, &back), decode.Format(c, &cp); got != want {
			t.Errorf("%s: from the compact form\n  %s\nwant\n  %s", name, got, want)
		}
		if a := testing.AllocsPerRun(50, func() { cp.WriteCompact(buf); back.ReadCompact(buf[:n]) }); a != 0 {
			t.Errorf("%s: %v allocations", name, a)
		}
		if cp.WriteCompact(buf[:n-1]) != 0 {
			t.Errorf("%s: wrote into a buffer too short", name)
		}
		if back.ReadCompact(buf[:n-1]) || decode.Format(c, &back) != decode.Format(c, nil) {
			t.Errorf("%s: a cut compact form was read", name)
		}
	}
}

// BenchmarkCompact is what the span queue adds on the tracer's thread
// (WriteCompact) and the span goroutine before formatting (ReadCompact),
// for openat's path.
func BenchmarkCompact(b *testing.B) {
	c := call(b, "openat", -2, atFDCWD, cstr("/etc/app/tls.pem"), 0)
	var cp, back decode.Capture
	cp.Exit(c, self, decode.ModePaths)
	buf := make([]byte, cp.CompactSize())
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			cp.WriteCompact(buf)
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			back.ReadCompact(buf)
		}
	})
}
