package ptrace

import (
	"regexp"
	"testing"
)

func TestParseStatCommWithParens(t *testing.T) {
	line := []byte("1234 (a) b (c)) S 99 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 777 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0")
	st, ok := parseStat(line)
	if !ok || st.Comm != "a) b (c)" || st.PPid != 99 || st.Flags != 4194560 || st.StartTime != 777 {
		t.Fatalf("%+v %v", st, ok)
	}
	if st.Flags&pfKthread != 0 {
		t.Error("user process taken for a kernel thread")
	}
	if _, ok := parseStat([]byte("1 (x")); ok {
		t.Error("truncated stat accepted")
	}
}

func TestMatcher(t *testing.T) {
	m := Matcher{Comm: []*regexp.Regexp{regexp.MustCompile(`^nginx$`)}, Cmdline: []*regexp.Regexp{regexp.MustCompile(`java .*-jar app\.jar`)}}
	if !m.matchComm("nginx") || m.matchComm("nginx-worker") {
		t.Error("comm match")
	}
	if !m.matchCmdline(cmdlineText([]byte("java\x00-Xmx1g\x00-jar\x00app.jar\x00"))) {
		t.Error("cmdline match")
	}
	if (&Matcher{}).Empty() != true || m.Empty() {
		t.Error("Empty")
	}
}
