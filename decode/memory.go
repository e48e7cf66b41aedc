package decode

// Memory reads a stopped tracee's memory: ptrace implements it with
// process_vm_readv (PTRACE_PEEKDATA where that is refused), the eBPF
// backend over what its program read in the kernel.
type Memory interface {
	// ReadMemory copies up to len(p) bytes at addr into p and returns how
	// many it copied: from addr on, up to the first byte it could not read
	// (0 when it read none). It must neither allocate nor block.
	ReadMemory(addr uint64, p []byte) int
}
