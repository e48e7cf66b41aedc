package proc

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// The tracer parses text that its targets control in part: a process
// names itself (comm, up to 15 bytes of anything but NUL) and chooses its
// arguments. These fuzz tests hold the parsers to what the kernel can
// write. Seeds are in testdata/fuzz/<name>; run one with
// go test -fuzz=FuzzParseStatusName ./proc.

// statusEscape escapes a comm as the kernel does on the Name line of
// /proc/PID/status (fs/proc/array.c: a newline or backslash never appears
// raw there).
func statusEscape(comm string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(comm)
}

// statusText is a /proc/PID/status as the kernel writes it, abridged.
func statusText(comm string, state byte, tgid, tracer int32) string {
	return fmt.Sprintf("Name:\t%s\nUmask:\t0022\nState:\t%s (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t1\nTracerPid:\t%d\nUid:\t0\t0\t0\t0\nSigQ:\t0/31\n",
		statusEscape(comm), []byte{state}, tgid, tgid, tracer)
}

// comm15 makes fuzzed bytes a possible comm: at most 15 bytes, no NUL.
func comm15(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > 15 {
		s = s[:15]
	}
	return s
}

func FuzzParseStatusName(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string, state byte, tgid, tracer int32) {
		name = comm15(name)
		if state <= ' ' {
			state = 'S' // the kernel's state letters are never blank
		}
		tgid, tracer = max(tgid, 0), max(tracer, 0)
		st, ok := ParseStatus([]byte(statusText(name, state, tgid, tracer)))
		if !ok || st.Tgid != tgid || st.TracerPid != tracer || st.State[0] != state {
			t.Errorf("name %q: got %+v ok=%v, want Tgid %d TracerPid %d State %c", name, st, ok, tgid, tracer, state)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte) {
		st, ok := ParseStatus(text)
		if !ok {
			return
		}
		// What it found stands on a line of its own key, and nowhere else.
		for key, got := range map[string]int32{"Tgid": st.Tgid, "TracerPid": st.TracerPid} {
			found := false
			for _, line := range bytes.Split(text, []byte{'\n'}) {
				k, v, _ := bytes.Cut(line, []byte{':'})
				n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 32)
				found = found || (string(k) == key && err == nil && int32(n) == got)
			}
			if !found {
				t.Errorf("%s %d: no such line in %q", key, got, text)
			}
		}
	})
}

func FuzzCommTarget(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string, pid, tid int32) {
		if got, ok := CommFileThread(path); ok {
			rest, found := strings.CutSuffix(path, "/comm")
			digits := rest[strings.LastIndexByte(rest, '/')+1:]
			if n, err := strconv.ParseInt(digits, 10, 32); !found || !strings.HasPrefix(path, "/proc/") || err != nil || int32(n) != got {
				t.Errorf("CommFileThread(%q) = %d: not a /proc/…/<tid>/comm path", path, got)
			}
		}
		pid, tid = max(pid, 1), max(tid, 1)
		for _, p := range []string{
			fmt.Sprintf("/proc/%d/comm", tid),
			fmt.Sprintf("/proc/%d/task/%d/comm", pid, tid),
		} {
			if got, ok := CommFileThread(p); !ok || got != tid {
				t.Errorf("CommFileThread(%q) = %d, %v; want %d", p, got, ok, tid)
			}
		}
		for _, p := range []string{
			fmt.Sprintf("/proc/%d/comm (deleted)", tid),
			fmt.Sprintf("/proc/%d/task/%d/comm/x", pid, tid),
			fmt.Sprintf("/tmp/proc/%d/comm", tid),
			"/proc/self/comm",
		} {
			if got, ok := CommFileThread(p); ok {
				t.Errorf("CommFileThread(%q) = %d, want no thread", p, got)
			}
		}
	})
}

// statText is a /proc/PID/stat line; the kernel writes comm raw there, so
// it may hold spaces, parentheses and newlines.
func statText(pid int32, comm string, ppid int32, flags, start uint64) string {
	return fmt.Sprintf("%d (%s) S %d %d %d 0 -1 %d 100 0 0 0 1 2 0 0 20 0 3 0 %d 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		pid, comm, ppid, pid, pid, flags, start)
}

func FuzzParseStat(f *testing.F) {
	f.Fuzz(func(t *testing.T, comm string, ppid int32, flags, start uint64) {
		comm = comm15(comm)
		ppid = max(ppid, 0)
		st, ok := ParseStat([]byte(statText(1234, comm, ppid, flags, start)))
		if !ok || st.Comm != comm || st.PPid != ppid || st.Flags != flags || st.StartTime != start {
			t.Errorf("comm %q: got %+v ok=%v, want ppid %d flags %d start %d", comm, st, ok, ppid, flags, start)
		}
		// Cut anywhere, it fails rather than misreads.
		text := statText(1234, comm, ppid, flags, start)
		cut := text[:strings.LastIndexByte(text, ')')+1+int(start%20)]
		if st, ok := ParseStat([]byte(cut)); ok {
			t.Errorf("ParseStat(%q) accepted a cut line: %+v", cut, st)
		}
	})
}

func FuzzCmdlineText(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := CmdlineText(raw)
		if strings.IndexByte(got, 0) >= 0 {
			t.Errorf("CmdlineText(%q) = %q keeps a NUL", raw, got)
		}
		// Arguments as the kernel writes them, each NUL-terminated, read
		// as ps shows them. (Trailing empty arguments are dropped.)
		args := strings.Split(strings.Trim(strings.ReplaceAll(string(raw), "\x00", ""), " "), " ")
		nul := []byte(strings.Join(args, "\x00") + "\x00")
		if want := strings.Join(args, " "); CmdlineText(nul) != want {
			t.Errorf("CmdlineText(%q) = %q, want %q", nul, CmdlineText(nul), want)
		}
	})
}
