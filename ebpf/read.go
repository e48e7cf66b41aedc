package ebpf

import (
	"errors"

	cebpf "github.com/cilium/ebpf"

	"github.com/syscall-exporter/syscall_exporter/backend"
	"github.com/syscall-exporter/syscall_exporter/syscalls"
)

// readBatch is how many entries one BatchLookup reads.
const readBatch = 1024

// countReader turns the maps' cumulative counts into deltas: it keeps
// what it read last and subtracts. It never deletes an entry a live label
// id may still increment (lookup-and-delete loses the increments that
// land in between); only a retired id's entries go, after their last
// read.
type countReader struct {
	lastCalls   map[tracerCallKey]uint64
	lastErrors  map[tracerErrnoKey]uint64
	lastLatency map[tracerBucketKey]tracerBucketValue
	deltas      map[tracerCallKey]*backend.Delta
	touched     []tracerCallKey

	callKeys    []tracerCallKey
	callVals    []uint64
	errnoKeys   []tracerErrnoKey
	errnoVals   []uint64
	bucketKeys  []tracerBucketKey
	bucketVals  []tracerBucketValue
	deadCalls   []tracerCallKey
	deadErrnos  []tracerErrnoKey
	deadBuckets []tracerBucketKey
	gone        map[uint32]bool // finish's, reused
}

func (r *countReader) init() {
	r.lastCalls = make(map[tracerCallKey]uint64)
	r.lastErrors = make(map[tracerErrnoKey]uint64)
	r.lastLatency = make(map[tracerBucketKey]tracerBucketValue)
	r.deltas = make(map[tracerCallKey]*backend.Delta)
	r.callKeys, r.callVals = make([]tracerCallKey, readBatch), make([]uint64, readBatch)
	r.errnoKeys, r.errnoVals = make([]tracerErrnoKey, readBatch), make([]uint64, readBatch)
	r.bucketKeys, r.bucketVals = make([]tracerBucketKey, readBatch), make([]tracerBucketValue, readBatch)
}

// owner says what a label id's counts go to: its slot, or that it is to
// be read later (an id the events have not announced yet), or that it
// belongs to nothing and goes.
func (t *Tracer) owner(lid uint32) (slot backend.Slot, ok, dead bool) {
	if l := t.tab.byLid[lid]; l != nil {
		return l.slot, true, false
	}
	return 0, false, lid <= t.tab.maxLid || lid > userLidBase
}

func (r *countReader) delta(k tracerCallKey) *backend.Delta {
	d := r.deltas[k]
	if d == nil {
		d = &backend.Delta{}
		r.deltas[k] = d
	}
	if d.Calls == 0 && len(d.Errors) == 0 && len(d.Latency) == 0 && d.SumNs == 0 {
		r.touched = append(r.touched, k)
	}
	return d
}

// readCounts hands the consumer what every label id counted since the
// last read; then retired ids, read for the last time, go.
func (t *Tracer) readCounts() {
	r := &t.read
	r.touched = r.touched[:0]
	r.deadCalls, r.deadErrnos, r.deadBuckets = r.deadCalls[:0], r.deadErrnos[:0], r.deadBuckets[:0]
	t.use.calls.Store(int64(readAll(t, t.objs.Calls, r.callKeys, r.callVals, func(k tracerCallKey, v uint64) {
		if _, ok, dead := t.owner(k.Lid); !ok {
			if dead {
				r.deadCalls = append(r.deadCalls, k)
			}
			return
		}
		if last := r.lastCalls[k]; v != last {
			r.delta(k).Calls = v - last
			r.lastCalls[k] = v
		}
	})))
	t.use.errors.Store(int64(readAll(t, t.objs.Errors, r.errnoKeys, r.errnoVals, func(k tracerErrnoKey, v uint64) {
		if _, ok, dead := t.owner(k.Call.Lid); !ok {
			if dead {
				r.deadErrnos = append(r.deadErrnos, k)
			}
			return
		}
		if last := r.lastErrors[k]; v != last {
			d := r.delta(k.Call)
			d.Errors = append(d.Errors, backend.ErrnoCount{Errno: uint16(k.Errno), Count: v - last})
			r.lastErrors[k] = v
		}
	})))
	t.use.latency.Store(int64(readAll(t, t.objs.Latency, r.bucketKeys, r.bucketVals, func(k tracerBucketKey, v tracerBucketValue) {
		if _, ok, dead := t.owner(k.Call.Lid); !ok {
			if dead {
				r.deadBuckets = append(r.deadBuckets, k)
			}
			return
		}
		if last := r.lastLatency[k]; v != last {
			d := r.delta(k.Call)
			d.Latency = append(d.Latency, backend.BucketCount{Bucket: backend.Bucket{Native: k.Native, Classic: k.Classic}, Count: v.Count - last.Count})
			d.SumNs += v.SumNs - last.SumNs
			r.lastLatency[k] = v
		}
	})))
	for _, k := range r.touched {
		d := r.deltas[k]
		if slot, ok, _ := t.owner(k.Lid); ok {
			t.cfg.Consumer.Add(slot, archOf(k.Arch), k.Nr, d)
		}
		d.Calls, d.SumNs, d.Errors, d.Latency = 0, 0, d.Errors[:0], d.Latency[:0]
	}
	r.finish(t)
}

// finish lets the retired label ids go: their entries, and their slots.
func (r *countReader) finish(t *Tracer) {
	tab := &t.tab
	if len(tab.retired) == 0 && len(r.deadCalls)+len(r.deadErrnos)+len(r.deadBuckets) == 0 {
		return
	}
	if r.gone == nil {
		r.gone = make(map[uint32]bool)
	}
	gone := r.gone
	clear(gone)
	for _, lid := range tab.retired {
		gone[lid] = true
		if l := tab.byLid[lid]; l != nil {
			t.cfg.Consumer.ThreadExited(&l.name, l.slot)
			delete(tab.byLid, lid)
		}
	}
	tab.retired = tab.retired[:0]
	for k := range r.lastCalls {
		if gone[k.Lid] {
			r.deadCalls = append(r.deadCalls, k)
			delete(r.lastCalls, k)
			delete(r.deltas, k)
		}
	}
	for k := range r.lastErrors {
		if gone[k.Call.Lid] {
			r.deadErrnos = append(r.deadErrnos, k)
			delete(r.lastErrors, k)
		}
	}
	for k := range r.lastLatency {
		if gone[k.Call.Lid] {
			r.deadBuckets = append(r.deadBuckets, k)
			delete(r.lastLatency, k)
		}
	}
	deleteAll(t, t.objs.Calls, r.deadCalls)
	deleteAll(t, t.objs.Errors, r.deadErrnos)
	deleteAll(t, t.objs.Latency, r.deadBuckets)
}

// readAll reads every entry of m in batches, and says how many it read.
func readAll[K comparable, V any](t *Tracer, m *cebpf.Map, keys []K, vals []V, each func(K, V)) int {
	var cursor cebpf.MapBatchCursor
	total := 0
	for {
		n, err := m.BatchLookup(&cursor, keys, vals, nil)
		for i := 0; i < n; i++ {
			each(keys[i], vals[i])
		}
		total += n
		if errors.Is(err, cebpf.ErrKeyNotExist) {
			return total
		}
		if err != nil {
			t.log.Warn("cannot read a count map", "map", m.String(), "err", err)
			return total
		}
	}
}

func deleteAll[K any](t *Tracer, m *cebpf.Map, keys []K) {
	if len(keys) == 0 {
		return
	}
	if _, err := m.BatchDelete(keys, nil); err != nil && !errors.Is(err, cebpf.ErrKeyNotExist) {
		for i := range keys {
			m.Delete(&keys[i])
		}
	}
}

// archOf is the Arch of the programs' arch index.
func archOf(i uint32) syscalls.Arch {
	if int(i) < len(syscalls.Arches) {
		return syscalls.Arches[i]
	}
	return 0
}
