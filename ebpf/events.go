package ebpf

import (
	"bytes"
	"time"
	"unsafe"

	"github.com/cilium/ebpf/ringbuf"
)

// The programs' events (tracer.bpf.c: EVENT_*).
const (
	eventNew    = 1
	eventRename = 2
	eventExec   = 3
	eventExit   = 4

	eventLaunched = 1 // flags
)

// maxBatch bounds the events applied in one round.
const maxBatch = 4096

type eventBatch []tracerEvent

// renamesLeader says whether the batch renames a process's leader, which
// moves its other threads to new slots: their counts are read first, so
// that what they counted under the old name stays there.
func (b eventBatch) renamesLeader() bool {
	for i := range b {
		if b[i].Type == eventRename && b[i].Tid == b[i].Pid {
			return true
		}
	}
	return false
}

// retires says whether the batch ends a label id, whose counts must then
// be read before it goes.
func (b eventBatch) retires() bool {
	for i := range b {
		if b[i].Type != eventNew {
			return true
		}
	}
	return false
}

// eventReader keeps what reading events needs, so that a round does not
// allocate.
type eventReader struct {
	rec   ringbuf.Record
	batch eventBatch
}

// takeEvents waits until the deadline set on t.events for one event, then
// adds it and those waiting behind it to the batch.
func (t *Tracer) takeEvents() eventBatch {
	r := &t.evr
	for len(r.batch) < maxBatch {
		if err := t.events.ReadInto(&r.rec); err != nil {
			break
		}
		if len(r.rec.RawSample) >= int(unsafe.Sizeof(tracerEvent{})) {
			r.batch = append(r.batch, *(*tracerEvent)(unsafe.Pointer(&r.rec.RawSample[0])))
		}
		t.events.SetDeadline(time.Now())
	}
	return r.batch
}

// takeEventsNow takes the events waiting, without waiting.
func (t *Tracer) takeEventsNow() eventBatch {
	t.events.SetDeadline(time.Now())
	return t.takeEvents()
}

func commString(c *[16]int8) string {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&c[0])), len(c))
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
