package syscalls

import (
	"strings"
	"testing"
)

func TestErrnoName(t *testing.T) {
	tests := []struct {
		errno uint16
		want  string
	}{
		{1, "EPERM"},
		{2, "ENOENT"},
		{4, "EINTR"},
		{11, "EAGAIN"},
		{13, "EACCES"},
		{38, "ENOSYS"},
		{110, "ETIMEDOUT"},
		{133, "EHWPOISON"},
		{512, "ERESTARTSYS"},
		{513, "ERESTARTNOINTR"},
		{514, "ERESTARTNOHAND"},
		{515, "ENOIOCTLCMD"},
		{516, "ERESTART_RESTARTBLOCK"},
		{0, "errno_0"},
		{41, "errno_41"}, // a hole in the numbering
		{511, "errno_511"},
		{517, "errno_517"},
		{4095, "errno_4095"},
	}
	for _, tt := range tests {
		if got := ErrnoName(tt.errno); got != tt.want {
			t.Errorf("ErrnoName(%d) = %q, want %q", tt.errno, got, tt.want)
		}
	}
}

// x/sys documents ErrnoName loosely; the exporter's labels need the
// strace-style upper-case E-names.
func TestErrnoNamesAreUpperCaseENames(t *testing.T) {
	for errno := uint16(1); errno < 4096; errno++ {
		name := ErrnoName(errno)
		if strings.HasPrefix(name, "errno_") {
			continue
		}
		if !strings.HasPrefix(name, "E") || strings.ToUpper(name) != name {
			t.Errorf("ErrnoName(%d) = %q, want an upper-case E-name", errno, name)
		}
	}
}

func TestErrnoNameDoesNotAllocate(t *testing.T) {
	for _, errno := range []uint16{2, 133, 512, 516} {
		if allocs := testing.AllocsPerRun(100, func() { _ = ErrnoName(errno) }); allocs != 0 {
			t.Errorf("ErrnoName(%d) allocates %v times", errno, allocs)
		}
	}
}

func TestIsRestart(t *testing.T) {
	for errno := uint16(0); errno < 1024; errno++ {
		if want := errno >= 512 && errno <= 516; IsRestart(errno) != want {
			t.Errorf("IsRestart(%d) = %v", errno, !want)
		}
	}
}
