package decode

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestTablesMatchHeaders compiles the names of the value tables against
// this machine's C headers and compares every value the headers define:
// a typo in a table would print the wrong name. x86_64 only (the headers
// are the build machine's).
func TestTablesMatchHeaders(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the tables' x86_64 values need x86_64 headers")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("needs gcc; CI is set, so this is a failure, not a skip")
		}
		t.Skip("needs gcc")
	}
	tables := map[string]xlat{
		"open": openFlagsX86, "at": atFlags, "faccessat": faccessatFlags, "access": accessModes,
		"rename": renameFlags, "resolve": resolveFlags, "fcntl": fcntlCmds, "fd": fdFlags, "lock": lockCmds,
		"whence": whenceCodes, "socktype": socketTypes, "sockflags": socketTypeFlags, "inet": inetProtocols,
		"netlink": netlinkProtocols, "msg": msgFlags, "af": addrFamilies, "prot": mmapProt, "map": mmapFlagsX86,
		"mremap": mremapFlags, "madv": madviseAdvice, "clone": cloneFlags, "clone3": clone3Flags,
		"wait": wait4Options, "futex": futexOps, "clock": clockNames, "sa": sigactFlags, "statx": statxMasks,
		"statxattr": statxAttrs, "statxsync": statxSyncTypes, "tcxonc": tcxoncOptions, "tcflsh": tcflshOptions,
		"shut": shutdownModes, "mode": modeTypes, "seals": fSeals, "notify": notifyFlags, "owner": fOwnerTypes,
		"sigprocmask": sigprocmaskCmds, "ptrace": ptraceEvents,
	}
	// Where glibc's value is not the kernel's, strace uses the kernel's.
	// (glibc: O_LARGEFILE 0, F_GETLK64 as F_GETLK on 64-bit, __O_TMPFILE
	// with O_DIRECTORY in it).
	kernelOnly := map[string]bool{
		"O_LARGEFILE": true, "__O_TMPFILE": true, "MAP_UNINITIALIZED": true,
		"F_GETLK64": true, "F_SETLK64": true, "F_SETLKW64": true,
	}
	var src bytes.Buffer
	src.WriteString(`#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sched.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/ptrace.h>
int main(void) {
`)
	type entry struct{ table, name string }
	var entries []entry
	for table, x := range tables {
		for _, e := range x {
			if strings.ContainsAny(e.s, "|") || kernelOnly[e.s] {
				continue
			}
			fmt.Fprintf(&src, "#ifdef %s\n\tprintf(\"%s %s %%llu\\n\", (unsigned long long)(%s));\n#endif\n", e.s, table, e.s, e.s)
			entries = append(entries, entry{table, e.s})
		}
	}
	for sig := 1; sig < len(signalNames)-1; sig++ {
		fmt.Fprintf(&src, "\tprintf(\"signal %s %%d\\n\", %s);\n", signalNames[sig], signalNames[sig])
	}
	src.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	c, bin := filepath.Join(dir, "values.c"), filepath.Join(dir, "values")
	if err := os.WriteFile(c, src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-o", bin, c).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		want, _ := strconv.ParseUint(f[2], 10, 64)
		if f[0] == "signal" {
			for sig, name := range signalNames {
				if name == f[1] && uint64(sig) != want {
					t.Errorf("%s is %d in the headers, %d here", name, want, sig)
				}
			}
			continue
		}
		checked++
		found := false
		for _, e := range tables[f[0]] {
			if e.s == f[1] {
				found = true
				if e.v != want {
					t.Errorf("%s table: %s is %#x in the headers, %#x here", f[0], f[1], want, e.v)
				}
			}
		}
		if !found {
			t.Errorf("%s table: no %s", f[0], f[1])
		}
	}
	var missing []string
	for _, e := range entries {
		if !bytes.Contains(out, []byte(" "+e.name+" ")) {
			missing = append(missing, e.name)
		}
	}
	t.Logf("%d of %d names defined in the headers, all compared; not in them: %v", checked, len(entries), missing)
	if checked < len(entries)*3/4 {
		t.Errorf("only %d of %d names found in the headers: the includes are wrong", checked, len(entries))
	}
}
