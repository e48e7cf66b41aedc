package decode_test

import (
	"strings"
	"testing"

	"github.com/syscall-exporter/syscall_exporter/decode"
)

// words lays out a NULL-terminated array of pointers to strings.
func words(strs ...string) uint64 {
	b := make([]byte, 8*(len(strs)+1))
	for i, s := range strs {
		put64(b[8*i:], cstr(s))
	}
	return bytesAt(b)
}

func TestExecve(t *testing.T) {
	argv := words("ls", "-l", "a file name longer than thirty-two bytes")
	env := words("A=1", "B=2")
	many := make([]string, 40)
	for i := range many {
		many[i] = "x"
	}
	manyArgv := words(many...)
	checkLines(t, []lineCase{
		{"failed exec, read at exit", call(t, "execve", -2, cstr("/bin/nope"), argv, env), decode.ModeAll,
			`execve("/bin/nope", ["ls", "-l", "a file name longer than thirty-t"...], 0x` + hexOf(env) + ` /* 2 vars */) = -1 ENOENT (No such file or directory)`},
		{"argv is data: mode paths shows its pointer", call(t, "execve", -2, cstr("/bin/nope"), argv, env), decode.ModePaths,
			`execve("/bin/nope", 0x` + hexOf(argv) + `, 0x` + hexOf(env) + ` /* 2 vars */) = -1 ENOENT (No such file or directory)`},
		{"32 elements, then ...", call(t, "execve", -2, cstr("/x"), manyArgv, 0), decode.ModeAll,
			`execve("/x", [` + strings.Repeat(`"x", `, 32) + `...], NULL) = -1 ENOENT (No such file or directory)`},
	})
	oneVar := words("A=1")
	c := call(t, "execveat", -2, atFDCWD, cstr("/x"), words(), oneVar, 0x1000)
	if got, want := decodeLine(c, decode.ModeAll), `execveat(AT_FDCWD, "/x", [], 0x`+hexOf(oneVar)+` /* 1 var */, AT_EMPTY_PATH) = -1 ENOENT (No such file or directory)`; got != want {
		t.Errorf("execveat:\n  got  %s\n  want %s", got, want)
	}

	// A successful exec is read at entry: at exit that memory is gone.
	c = call(t, "execve", 0, cstr("/bin/true"), words("true"), env)
	cp := new(decode.Capture)
	c.Exit = 0
	cp.Entry(c, self, decode.ModeAll)
	c.Exit = 2
	cp.Exit(c, self, decode.ModeAll)
	if got, want := decode.Format(c, cp), `execve("/bin/true", ["true"], 0x`+hexOf(env)+` /* 2 vars */) = 0`; got != want {
		t.Errorf("exec read at entry:\n  got  %s\n  want %s", got, want)
	}
	cp.Reset()
	cp.Exit(c, self, decode.ModeAll)
	if got := decode.Format(c, cp); !strings.HasPrefix(got, "execve(0x") {
		t.Errorf("a successful exec without its entry read shows pointers, got %s", got)
	}

	// The argv array ends where memory does: ", ... /* addr */".
	page, end := pageEnd(t)
	b := make([]byte, 8)
	put64(b, cstr("a"))
	c = call(t, "execve", -14, cstr("/x"), atEnd(page, end, string(b)), 0)
	if got, want := decodeLine(c, decode.ModeAll), `execve("/x", ["a", ... /* 0x`+hexOf(end)+` */], NULL) = -1 EFAULT (Bad address)`; got != want {
		t.Errorf("unterminated argv:\n  got  %s\n  want %s", got, want)
	}
}
