package dashboards

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the dashboards' JSON in canonical form")

// dashboardFiles are the dashboards users import. singleSelect lists the
// variables that pick one value; every other query variable is multi-select
// with an "All" option.
var dashboardFiles = map[string]struct{ singleSelect []string }{
	"syscalls-overview.json":    {},
	"syscalls-pod-profile.json": {singleSelect: []string{"namespace", "pod"}},
}

var requiredVariables = []string{"datasource", "job", "namespace", "pod", "process", "thread", "syscall"}

// The only datasource any panel, target or variable may name.
const datasourceRef = "${datasource}"

type lintDashboard struct {
	file string
	raw  []byte
	doc  map[string]any
}

func loadDashboards(t *testing.T) []lintDashboard {
	t.Helper()
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var ds []lintDashboard
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got = append(got, f)
		ds = append(ds, lintDashboard{file: f, raw: raw, doc: doc})
	}
	var want []string
	for f := range dashboardFiles {
		want = append(want, f)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("dashboards are %v, want %v: keep dashboardFiles in lint_test.go in step", got, want)
	}
	return ds
}

// Canonical is what json.Indent makes of the file: it settles whitespace but
// keeps key order, so title and type stay at the top of each panel.
func TestCanonicalJSON(t *testing.T) {
	for _, d := range loadDashboards(t) {
		var compact, canonical bytes.Buffer
		if err := json.Compact(&compact, d.raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&canonical, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		canonical.WriteByte('\n')
		if bytes.Equal(canonical.Bytes(), d.raw) {
			continue
		}
		if *update {
			if err := os.WriteFile(d.file, canonical.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is not formatted canonically: go test ./dashboards -run TestCanonicalJSON -update", d.file)
	}
}

func TestDatasources(t *testing.T) {
	for _, d := range loadDashboards(t) {
		var dsVars []string
		for _, v := range variables(d.doc) {
			if v["type"] == "datasource" {
				dsVars = append(dsVars, fmt.Sprintf("%v (query %v)", v["name"], v["query"]))
			}
		}
		if want := []string{"datasource (query prometheus)"}; !slices.Equal(dsVars, want) {
			t.Errorf("%s: datasource variables %q, want %q", d.file, dsVars, want)
		}

		// Every datasource anywhere, so a pasted panel cannot bring its own.
		walk(d.doc, "", func(path string, key string, v any) {
			if key != "datasource" {
				return
			}
			ref, _ := v.(map[string]any)
			if len(ref) != 2 || ref["type"] != "prometheus" || (ref["uid"] != datasourceRef && ref["uid"] != "$datasource") {
				t.Errorf("%s: %s.datasource is %v, want {\"type\": \"prometheus\", \"uid\": %q}", d.file, path, v, datasourceRef)
			}
		})

		for _, p := range panels(d.doc) {
			if p["type"] == "row" {
				continue
			}
			if p["datasource"] == nil {
				t.Errorf("%s: panel %q has no datasource", d.file, p["title"])
			}
			for _, tg := range list(p["targets"]) {
				if tg.(map[string]any)["datasource"] == nil {
					t.Errorf("%s: panel %q: a target has no datasource", d.file, p["title"])
				}
			}
		}
	}
}

func TestTemplateVariables(t *testing.T) {
	for _, d := range loadDashboards(t) {
		var names []string
		for _, v := range variables(d.doc) {
			name, _ := v["name"].(string)
			names = append(names, name)
			if v["type"] != "query" {
				continue
			}
			if r, _ := v["refresh"].(float64); r != 1 && r != 2 {
				t.Errorf("%s: variable %s: refresh %v, want 1 or 2 so its values follow the data", d.file, name, v["refresh"])
			}
			single := slices.Contains(dashboardFiles[d.file].singleSelect, name)
			if multi := v["multi"] == true && v["includeAll"] == true; multi == single {
				t.Errorf("%s: variable %s: multi %v, includeAll %v; want both %v", d.file, name, v["multi"], v["includeAll"], !single)
			}
			if v["includeAll"] == true && v["allValue"] != ".+" && v["allValue"] != ".*" {
				t.Errorf("%s: variable %s: allValue %v, want .+ or .* (a regex, not Grafana's list of every value)", d.file, name, v["allValue"])
			}
			if name == "job" && v["allValue"] != ".+" {
				t.Errorf("%s: variable job: allValue %v, want .+", d.file, v["allValue"])
			}
		}
		for _, want := range requiredVariables {
			if !slices.Contains(names, want) {
				t.Errorf("%s: no template variable %q (have %q)", d.file, want, names)
			}
		}
	}
}

func TestPanels(t *testing.T) {
	uids := map[string]string{}
	for _, d := range loadDashboards(t) {
		uid, _ := d.doc["uid"].(string)
		title, _ := d.doc["title"].(string)
		if uid == "" || title == "" || uids[uid] != "" {
			t.Errorf("%s: uid %q (also in %q), title %q: want a unique uid and a title", d.file, uid, uids[uid], title)
		}
		uids[uid] = d.file
		ids := map[float64]bool{}
		for _, p := range panels(d.doc) {
			title, _ := p["title"].(string)
			if strings.TrimSpace(title) == "" {
				t.Errorf("%s: panel %v has no title", d.file, p["id"])
			}
			id, _ := p["id"].(float64)
			if id == 0 || ids[id] {
				t.Errorf("%s: panel %q: id %v is missing or not unique", d.file, title, p["id"])
			}
			ids[id] = true
			pos, _ := p["gridPos"].(map[string]any)
			x, _ := pos["x"].(float64)
			w, _ := pos["w"].(float64)
			h, _ := pos["h"].(float64)
			if w <= 0 || h <= 0 || x < 0 || x+w > 24 {
				t.Errorf("%s: panel %q: gridPos %v is off the 24-column grid", d.file, title, p["gridPos"])
			}
			if p["type"] == "row" {
				continue
			}
			targets := list(p["targets"])
			if len(targets) == 0 {
				t.Errorf("%s: panel %q has no query", d.file, title)
			}
			refs := map[any]bool{}
			for _, tg := range targets {
				ref := tg.(map[string]any)["refId"]
				if ref == nil || refs[ref] {
					t.Errorf("%s: panel %q: refId %v is missing or not unique", d.file, title, ref)
				}
				refs[ref] = true
			}
		}
	}
}

var rangeFuncRE = regexp.MustCompile(`\b(rate|irate|increase)\s*\(`)

func TestQueryConventions(t *testing.T) {
	for _, d := range loadDashboards(t) {
		qs, err := Queries(d.raw)
		if err != nil {
			t.Fatal(err)
		}
		vqs, err := VariableQueries(d.raw)
		if err != nil {
			t.Fatal(err)
		}
		defined := map[string]bool{}
		for _, v := range variables(d.doc) {
			defined[v["name"].(string)] = true
		}
		checkRefs := func(where, expr string) {
			for _, name := range references(expr) {
				if !defined[name] && builtinDefaults[name] == "" && (name[0] < '0' || name[0] > '9') {
					t.Errorf("%s: %s: unknown variable $%s in %s", d.file, where, name, expr)
				}
			}
		}
		for _, q := range qs {
			where := fmt.Sprintf("panel %q target %s", q.Panel, q.RefID)
			if strings.TrimSpace(q.Expr) == "" {
				t.Errorf("%s: %s: empty expr", d.file, where)
				continue
			}
			for _, err := range rangeIntervals(q.Expr) {
				t.Errorf("%s: %s: %v", d.file, where, err)
			}
			if !strings.Contains(q.Expr, `job=~"$job"`) {
				t.Errorf("%s: %s: no job=~\"$job\" matcher: %s", d.file, where, q.Expr)
			}
			checkRefs(where, q.Expr)
		}
		for _, v := range vqs {
			if _, _, ok := v.LabelValues(); !ok {
				t.Errorf("%s: variable %s: %q is not label_values(...)", d.file, v.Name, v.Query)
			}
			checkRefs("variable "+v.Name, v.Query)
		}
	}
}

// rangeIntervals reports each rate, irate or increase whose range is not
// [$__rate_interval].
func rangeIntervals(expr string) []error {
	var errs []error
	code := blankStrings(expr)
	for _, loc := range rangeFuncRE.FindAllStringSubmatchIndex(code, -1) {
		fn := code[loc[2]:loc[3]]
		args := code[loc[1]:closingParen(code, loc[1])]
		ranges := regexp.MustCompile(`\[([^\]]*)\]`).FindAllStringSubmatch(args, -1)
		if len(ranges) == 0 {
			errs = append(errs, fmt.Errorf("%s(...) without a range in %s", fn, expr))
		}
		for _, r := range ranges {
			if strings.TrimSpace(r[1]) != "$__rate_interval" {
				errs = append(errs, fmt.Errorf("%s(...[%s]): use [$__rate_interval] in %s", fn, r[1], expr))
			}
		}
	}
	return errs
}

func TestRangeIntervals(t *testing.T) {
	for expr, bad := range map[string]int{
		`rate(x[$__rate_interval])`:                                 0,
		`sum(irate(x{a=~"[0-9]"}[ $__rate_interval ]))`:             0,
		`thread_syscall:syscall_calls:rate5m_estimated{a="rate(x"}`: 0,
		`increase(x[5m]) + rate(y[$__interval])`:                    2,
		`rate(x)`:                                                   1,
	} {
		if got := rangeIntervals(expr); len(got) != bad {
			t.Errorf("rangeIntervals(%q) = %v, want %d errors", expr, got, bad)
		}
	}
}

// TestPromQLSyntax has promtool parse every query and every variable's
// series selector, with the variables substituted.
func TestPromQLSyntax(t *testing.T) {
	promtool := lookPromtool(t)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboards\n    rules:\n")
	n := 0
	add := func(expr string) {
		n++
		quoted, _ := json.Marshal(expr) // a JSON string is a YAML double-quoted scalar
		fmt.Fprintf(&rules, "      - record: dashboard:query:%d\n        expr: %s\n", n, quoted)
	}
	for _, d := range loadDashboards(t) {
		vars := map[string]string{}
		for _, v := range variables(d.doc) {
			vars[v["name"].(string)] = "x"
		}
		qs, _ := Queries(d.raw)
		for _, q := range qs {
			add(Substitute(q.Expr, vars))
		}
		vqs, _ := VariableQueries(d.raw)
		for _, v := range vqs {
			if match, _, ok := v.LabelValues(); ok && match != "" {
				add(Substitute(match, vars))
			}
		}
	}
	file := filepath.Join(t.TempDir(), "dashboards.rules.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, rules.String())
	}
	if !strings.Contains(string(out), fmt.Sprintf("%d rules found", n)) {
		t.Fatalf("promtool did not check all %d queries:\n%s", n, out)
	}
}

// lookPromtool skips the test without promtool, unless in CI, where a
// missing tool must not pass for a green test.
func lookPromtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatal("promtool not found, and CI is set: apt-get install -y prometheus")
	}
	t.Skip("promtool not found (apt-get install -y prometheus); with CI set this fails")
	return ""
}

func variables(doc map[string]any) []map[string]any {
	templating, _ := doc["templating"].(map[string]any)
	var vs []map[string]any
	for _, v := range list(templating["list"]) {
		vs = append(vs, v.(map[string]any))
	}
	return vs
}

// panels returns every panel, rows' nested panels included.
func panels(doc map[string]any) []map[string]any {
	var ps []map[string]any
	var add func(any)
	add = func(l any) {
		for _, p := range list(l) {
			m := p.(map[string]any)
			ps = append(ps, m)
			add(m["panels"])
		}
	}
	add(doc["panels"])
	return ps
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// walk calls fn for every key of every object in v.
func walk(v any, path string, fn func(path, key string, v any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			fn(path, k, c)
			walk(c, path+"."+k, fn)
		}
	case []any:
		for i, c := range v {
			walk(c, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

// blankStrings replaces the contents of PromQL string literals with spaces,
// keeping offsets, so brackets and parentheses in label values do not count.
func blankStrings(expr string) string {
	b := []byte(expr)
	var quote byte
	for i := 0; i < len(b); i++ {
		switch {
		case quote == 0:
			if b[i] == '"' || b[i] == '\'' || b[i] == '`' {
				quote = b[i]
			}
		case b[i] == quote:
			quote = 0
		case b[i] == '\\' && quote != '`' && i+1 < len(b):
			b[i], b[i+1] = ' ', ' '
			i++
		default:
			b[i] = ' '
		}
	}
	return string(b)
}

// closingParen returns the index of the parenthesis closing the one just
// before start, or len(s).
func closingParen(s string, start int) int {
	depth := 1
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return len(s)
}
