package ptrace

// PeekOnly makes a tracer not yet started read memory as where
// process_vm_readv is refused: with PTRACE_PEEKDATA.
func PeekOnly(t *Tracer) { t.details.mem.noVMRead = true }
