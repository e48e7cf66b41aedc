package ebpf

// The programs' objects and their Go bindings are committed, so that a
// build needs no clang; `go generate ./ebpf` remakes them (Debian's clang
// 14 and libbpf-dev's headers), and TestObjectsFresh notices stale ones.
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -go-package ebpf -target amd64,arm64 -cc clang -cflags "-O2 -g -Wall -Werror -mcpu=v3" -type event -type failure tracer bpf/tracer.bpf.c -- -I./bpf
