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
// the path it named; the capture goes back to its pool once the span is
// made, and a span that finds the pool empty is counted, with pointers.
func TestSpanTextAndPathFromTheCapture(t *testing.T) {
	q, mem := inMemoryQueue(t, 4, nil)
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
	}
	if d.asked != 2 || q.stats.Undecoded.Load() != 1 {
		t.Errorf("Details asked %d times, %d undecoded; want 2, 1 (one buffer)", d.asked, q.stats.Undecoded.Load())
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
	if d.pool.Free() != 1 {
		t.Errorf("%d captures free after the spans were made, want 1", d.pool.Free())
	}
}
