package decode

import "github.com/syscall-exporter/syscall_exporter/syscalls"

// The generic form, for every call without a decoder here: strace's
// printargs, each argument in hex ("0" for zero), as many as strace's
// syscall table says the call takes (zargs.go, made from strace's
// tables). A number strace does not know gets all six, as strace prints
// an unknown syscall. For a call strace itself decodes, this form is not
// strace's line: docs/decode.md lists what is decoded.

const (
	unknownNargs = 0xff
	maxArgs      = 6
)

func nargs(a syscalls.Arch, nr uint32) int {
	var t []uint8
	switch a {
	case syscalls.X86_64:
		t = x86_64Nargs[:]
	case syscalls.I386:
		t = i386Nargs[:]
	case syscalls.AArch64:
		t = aarch64Nargs[:]
	}
	if nr < uint32(len(t)) && t[nr] != unknownNargs {
		return int(t[nr])
	}
	return maxArgs
}

func (f *formatter) generic() {
	for i := 0; i < nargs(f.c.Arch, f.c.Nr); i++ {
		if i > 0 {
			f.sep()
		}
		f.x(f.arg(i))
	}
}
