package exporter

import (
	"context"
	"testing"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/collector"
	"github.com/syscall-exporter/syscall_exporter/decode"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// selfMemory reads this process's own memory, as a backend reads a
// stopped tracee's.
type selfMemory struct{}

func (selfMemory) ReadMemory(addr uint64, p []byte) int {
	local := []unix.Iovec{{Base: &p[0]}}
	local[0].SetLen(len(p))
	n, err := unix.ProcessVMReadv(unix.Getpid(), local, []unix.RemoteIovec{{Base: uintptr(addr), Len: len(p)}}, 0)
	if err != nil {
		return 0
	}
	return n
}

// poolDetails is a backend's Details over a pool: it captures once.
type poolDetails struct {
	pool  *decode.Pool
	asked int
}

func (d *poolDetails) Capture(c *backend.Call) backend.Captured {
	d.asked++
	cp := d.pool.Get()
	if cp == nil {
		return nil
	}
	cp.Exit(c, selfMemory{}, decode.ModePaths)
	return cp
}

// A span offered with Details carries the call as strace prints it and
// the path it named. The capture goes back to its pool as soon as the
// record is queued, its compact form kept in the arena until the span is
// made; a record that finds the arena full is counted, with pointers.
func TestSpanTextAndPathFromTheCapture(t *testing.T) {
	q, mem := inMemoryQueue(t, 4, nil)
	q.arena.buf = make([]byte, 64) // one openat's compact capture (45 bytes)
	path := []byte("/etc/app/tls.pem\x00")
	d := &poolDetails{pool: decode.NewPool(1)}
	rec := func() *collector.SpanRecord {
		return &collector.SpanRecord{TraceID: [16]byte{1}, SpanID: [8]byte{1},
			Call: backend.Call{Arch: syscalls.X86_64, Nr: 257, Details: d,
				Args: [6]uint64{0xffffff9c, uint64(uintptr(unsafe.Pointer(&path[0]))), unix.O_RDONLY | unix.O_CLOEXEC},
				Ret:  -2, Errno: 2, Entry: 1, Exit: 2}}
	}
	for range 2 {
		if !q.Offer(rec()) {
			t.Fatal("queue refused a record with room")
		}
		if d.pool.Free() != 1 {
			t.Fatal("the capture was kept past Offer")
		}
	}
	if d.asked != 2 || q.stats.Undecoded.Load() != 1 {
		t.Errorf("Details asked %d times, %d undecoded; want 2, 1 (an arena for one)", d.asked, q.stats.Undecoded.Load())
	}
	go q.run()
	if err := q.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	attrs := attribute.NewSet(spans[0].Attributes...)
	want := `openat(AT_FDCWD, "/etc/app/tls.pem", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`
	if v, _ := attrs.Value(AttrText); v.AsString() != want {
		t.Errorf("text %q\nwant %q", v.AsString(), want)
	}
	if v, _ := attrs.Value("file.path"); v.AsString() != "/etc/app/tls.pem" {
		t.Errorf("file.path %q", v.AsString())
	}
	attrs = attribute.NewSet(spans[1].Attributes...)
	if v, _ := attrs.Value(AttrText); v.AsString() == want {
		t.Error("the span without a capture has the path")
	}
	if q.arena.tail.Load() != q.arena.head {
		t.Errorf("arena tail %d, head %d: not all freed", q.arena.tail.Load(), q.arena.head)
	}
}

// The arena wraps around: what was freed is used again, a put that does
// not fit before the end starts at the beginning, and one that would
// overwrite what is not freed yet is refused.
func TestCaptureArenaWraps(t *testing.T) {
	var cp decode.Capture
	cp.Exit(&backend.Call{Arch: syscalls.X86_64, Nr: 257, Args: [6]uint64{0xffffff9c, 0}, Exit: 1}, selfMemory{}, decode.ModePaths)
	n := cp.CompactSize()
	a := captureArena{buf: make([]byte, 3*n-1)}
	at1, n1, _ := a.put(&cp)
	at2, n2, _ := a.put(&cp)
	if n1 != n || n2 != n || at2 != at1+uint64(n) {
		t.Fatalf("puts at %d+%d, %d+%d", at1, n1, at2, n2)
	}
	if _, n3, _ := a.put(&cp); n3 != 0 {
		t.Error("a put past the ring's room succeeded")
	}
	a.free(at1, n1)
	at3, n3, _ := a.put(&cp)
	if n3 != n || at3%uint64(len(a.buf)) != 0 {
		t.Errorf("after a free, put at %d (ring position %d), want the beginning", at3, at3%uint64(len(a.buf)))
	}
	var back decode.Capture
	if !back.ReadCompact(a.bytes(at3, n3)) {
		t.Error("the wrapped capture does not read back")
	}
}
