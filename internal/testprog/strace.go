package testprog

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FindCommand is a deterministic real program for oracle tests: the same
// tree gives the same calls.
var FindCommand = []string{"/usr/bin/find", "/usr/include", "-name", "*.h"}

// RunStraceC runs argv under strace -f -c, its stdout on /dev/null, and
// returns strace's table (the test fails if it has fewer than minRows).
func RunStraceC(t testing.TB, minRows int, argv ...string) *StraceTable {
	t.Helper()
	strace := RequireTool(t, "strace", "strace")
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command(strace, append([]string{"-f", "-c", "-o", out}, argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // Stdout nil: /dev/null
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := ParseStraceTables(string(b))
	if err != nil || len(tables) != 1 || tables[""] == nil {
		t.Fatalf("strace's own table does not parse (%v):\n%s", err, b)
	}
	if n := len(tables[""].Rows); n < minRows {
		t.Fatalf("strace's table has only %d rows:\n%s", n, b)
	}
	return tables[""]
}

// CompareCounts fails t for every name whose count in got differs from
// the oracle's in want.
func CompareCounts(t testing.TB, what, oracle string, got, want map[string]int) {
	t.Helper()
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s %s: %d, %s says %d", what, name, got[name], oracle, n)
		}
	}
	for name, n := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s %s: %d, %s has none", what, name, n, oracle)
		}
	}
}

// StraceTable is one strace -c table, read strictly: a line out of
// place is an error, so the layout itself is under test.
type StraceTable struct {
	Header, Rule string
	Rows         []StraceRow // in printed order
	Total        StraceRow
}

// StraceRow is one line of a StraceTable.
type StraceRow struct {
	Percent, Seconds float64
	Usecs            uint64
	Calls, Errors    int
	Name             string
}

var (
	straceHeaderRe = regexp.MustCompile(`^% time +seconds +usecs/call +calls +errors syscall$`)
	straceRuleRe   = regexp.MustCompile(`^-{6} -{11,} -{11,} -{9,} -{9,} -{16,}$`)
	straceRowRe    = regexp.MustCompile(`^ *(\d+\.\d\d) +(\d+\.\d{6}) +(\d+) +(\d+) +(\d*) (\w+)$`)
)

// ParseStraceTables reads every table in text; a line that heads a table
// ("process=…") keys it, and the first table may have no heading.
func ParseStraceTables(text string) (map[string]*StraceTable, error) {
	tables := map[string]*StraceTable{}
	var cur *StraceTable
	heading := ""
	state := "heading" // heading → header → rule → rows → total → heading
	for i, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fail := func(what string) error { return fmt.Errorf("line %d: %s: %q", i+1, what, line) }
		switch state {
		case "heading":
			if line == "" {
				continue
			}
			if !straceHeaderRe.MatchString(line) {
				heading = line
				state = "header"
				continue
			}
			fallthrough
		case "header":
			if !straceHeaderRe.MatchString(line) {
				return nil, fail("want the column header")
			}
			cur = &StraceTable{Header: line}
			if tables[heading] != nil {
				return nil, fail("second table for " + heading)
			}
			tables[heading] = cur
			state = "rule"
		case "rule":
			if !straceRuleRe.MatchString(line) {
				return nil, fail("want a dashed rule")
			}
			cur.Rule = line
			state = "rows"
		case "rows", "total":
			if line == cur.Rule {
				if state == "total" {
					return nil, fail("second rule")
				}
				state = "total"
				continue
			}
			m := straceRowRe.FindStringSubmatch(line)
			if m == nil {
				return nil, fail("want a row")
			}
			var r StraceRow
			r.Percent, _ = strconv.ParseFloat(m[1], 64)
			r.Seconds, _ = strconv.ParseFloat(m[2], 64)
			r.Usecs, _ = strconv.ParseUint(m[3], 10, 64)
			r.Calls, _ = strconv.Atoi(m[4])
			r.Errors, _ = strconv.Atoi(m[5])
			r.Name = m[6]
			if state == "rows" {
				cur.Rows = append(cur.Rows, r)
				continue
			}
			if r.Name != "total" || r.Percent != 100 {
				return nil, fail("want the total line")
			}
			cur.Total = r
			heading, state = "", "heading"
		}
	}
	if state != "heading" {
		return nil, fmt.Errorf("text ends inside a table (%s)", state)
	}
	return tables, nil
}

// Check holds every table to strace's rules: sorted by time, longest
// first; a total line that is the sum of the rows.
func (tb *StraceTable) Check(t testing.TB, what string) {
	t.Helper()
	calls, errs := 0, 0
	for i, r := range tb.Rows {
		if i > 0 && r.Seconds > tb.Rows[i-1].Seconds {
			t.Errorf("%s: %s (%v s) after %s (%v s): not sorted by time", what, r.Name, r.Seconds, tb.Rows[i-1].Name, tb.Rows[i-1].Seconds)
		}
		calls += r.Calls
		errs += r.Errors
	}
	if tb.Total.Calls != calls || tb.Total.Errors != errs {
		t.Errorf("%s: total line %d calls %d errors; the rows add up to %d and %d", what, tb.Total.Calls, tb.Total.Errors, calls, errs)
	}
}

// Counts returns calls and errors by syscall name.
func (tb *StraceTable) Counts() (calls, errs map[string]int) {
	calls, errs = map[string]int{}, map[string]int{}
	for _, r := range tb.Rows {
		calls[r.Name] = r.Calls
		if r.Errors != 0 {
			errs[r.Name] = r.Errors
		}
	}
	return calls, errs
}
