package proc

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"
)

func TestReadMatchesReadFile(t *testing.T) {
	for _, path := range []string{"/proc/self/status", "/proc/self/comm", "/proc/self/stat"} {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("no %s: %v", path, err)
		}
		for _, size := range []int{4096, 8} { // fits; too small, read whole
			got, err := readSmall(path, make([]byte, size))
			if err != nil {
				t.Fatalf("readSmall(%s, %d bytes): %v", path, size, err)
			}
			// status and stat change between reads (times, memory); the
			// first line and the length's order of magnitude do not.
			wantFirst, _, _ := bytes.Cut(want, []byte("\n"))
			gotFirst, _, _ := bytes.Cut(got, []byte("\n"))
			if path != "/proc/self/stat" && !bytes.Equal(gotFirst, wantFirst) {
				t.Errorf("readSmall(%s, %d bytes) starts %q, want %q", path, size, gotFirst, wantFirst)
			}
			if len(got) < len(want)/2 || len(got) > 2*len(want) {
				t.Errorf("readSmall(%s, %d bytes) = %d bytes, os.ReadFile %d", path, size, len(got), len(want))
			}
		}
	}
}

func TestReadMissingSaysWhat(t *testing.T) {
	_, err := readSmall("/proc/0/comm", make([]byte, 64))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != "/proc/0/comm" {
		t.Errorf("err = %v, want a PathError naming the file", err)
	}
}
