// Package backend is the seam between the packages that speak to the
// kernel (ptrace, ebpf) and the rest of the exporter.
//
// A backend follows its targets and hands a Consumer (the collector) what
// it saw: per-call events (ptrace) or per-thread counts read from the
// kernel (ebpf), and the names of the threads that made them. cmd drives a
// backend through the Backend interface. This package speaks to no kernel
// and imports no backend, so that the collector and the exporter can
// depend on it alone.
package backend
