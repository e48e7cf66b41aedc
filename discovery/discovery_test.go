package discovery

import (
	"regexp"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/proc"
)

func TestMatcher(t *testing.T) {
	m := Matcher{Comm: []*regexp.Regexp{regexp.MustCompile(`^nginx$`)}, Cmdline: []*regexp.Regexp{regexp.MustCompile(`java .*-jar app\.jar`)}}
	if !m.matchComm("nginx") || m.matchComm("nginx-worker") {
		t.Error("comm match")
	}
	if !m.matchCmdline(proc.CmdlineText([]byte("java\x00-Xmx1g\x00-jar\x00app.jar\x00"))) {
		t.Error("cmdline match")
	}
	if (&Matcher{}).Empty() != true || m.Empty() {
		t.Error("Empty")
	}
}
