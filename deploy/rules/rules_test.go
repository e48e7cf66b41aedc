package rules

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the generated rule files")

const testRulesFile = "syscall_exporter.rules.test.yml"

func TestGenerated(t *testing.T) {
	src, err := os.ReadFile(sourceFile)
	if err != nil {
		t.Fatal(err)
	}
	for file, generate := range map[string]func([]byte) ([]byte, error){
		e2eFile:            e2eRules,
		prometheusRuleFile: prometheusRule,
	} {
		want, err := generate(src)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if *update {
			if err := os.WriteFile(file, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing: (cd deploy && go test ./rules -run TestGenerated -update)", file)
		}
	}
}

func TestE2ERules(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  expr: rate(x[5m]) > 0\n  for: 15m\n", "  expr: rate(x[5s]) > 0\n  for: 15s\n"},
		{"  interval: 1m\n  expr: sum_over_time(x[1h] offset 5m)\n", "  interval: 1s\n  expr: sum_over_time(x[1m] offset 5s)\n"},
		{"  expr: x[1d] offset 1h30m\n", "  expr: x[24m] offset 90s\n"},
		// Label values and annotations are not durations.
		{"  expr: x{a=~\"[0-9]+m\"}\n  description: for 5m\n", "  expr: x{a=~\"[0-9]+m\"}\n  description: for 5m\n"},
	} {
		got, err := e2eRules([]byte("groups:\n" + tc.in))
		if err != nil {
			t.Errorf("e2eRules(%q): %v", tc.in, err)
			continue
		}
		if _, body, _ := bytes.Cut(got, []byte("groups:\n")); string(body) != tc.want {
			t.Errorf("e2eRules(%q) = %q, want %q", tc.in, body, tc.want)
		}
	}
	for _, in := range []string{
		"  expr: max_over_time(x[1h:5m])\n", // subquery
		"  expr: rate(x[30s])\n",            // would be half a second
		"  for: 90s\n",                      // 1.5s
	} {
		if _, err := e2eRules([]byte("groups:\n" + in)); err == nil {
			t.Errorf("e2eRules(%q) succeeded, want an error", in)
		}
	}
}

func TestPrometheusRule(t *testing.T) {
	got, err := prometheusRule([]byte("# about\ngroups:\n  - name: a\n    rules:\n\n      - record: b\n        expr: |\n          c\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "spec:\n  groups:\n    - name: a\n      rules:\n\n        - record: b\n          expr: |\n            c\n"
	if !bytes.HasSuffix(got, []byte(want)) || bytes.Contains(got, []byte("about")) {
		t.Errorf("prometheusRule:\n%s\nwant it to end with\n%s", got, want)
	}
	for _, src := range []string{"groups:\nnamespace: x\n", "# only a comment\n", "---\ngroups:\n"} {
		if _, err := prometheusRule([]byte(src)); err == nil {
			t.Errorf("prometheusRule(%q) succeeded, want an error", src)
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Record      string            `json:"record"`
			Alert       string            `json:"alert"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

type testFile struct {
	Tests []struct {
		AlertRuleTest []struct {
			Alertname string `json:"alertname"`
			ExpAlerts []any  `json:"exp_alerts"`
		} `json:"alert_rule_test"`
	} `json:"tests"`
}

var (
	alertNameRE = regexp.MustCompile(`^Syscall[A-Z][A-Za-z0-9]*$`)
	recordRE    = regexp.MustCompile(`^[a-z_]+:[a-z_]+:[a-z0-9_]+$`)
)

func TestConventions(t *testing.T) {
	var rules ruleFile
	readYAML(t, sourceFile, &rules, false)
	var tests testFile
	readYAML(t, testRulesFile, &tests, false)
	fires, quiet := map[string]int{}, map[string]int{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname]++
			} else {
				quiet[a.Alertname]++
			}
		}
	}
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				if !recordRE.MatchString(r.Record) {
					t.Errorf("record %s: want level:metric:operation", r.Record)
				}
				continue
			}
			alerts++
			if !alertNameRE.MatchString(r.Alert) {
				t.Errorf("alert %s: want CamelCase with the Syscall prefix", r.Alert)
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
				t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s: want summary and description annotations", r.Alert)
			}
			if fires[r.Alert] == 0 || quiet[r.Alert] == 0 {
				t.Errorf("alert %s: %s has %d cases where it fires and %d where it must not; want at least one of each",
					r.Alert, testRulesFile, fires[r.Alert], quiet[r.Alert])
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no alerts found")
	}
}

// TestPrometheusRuleGroups decodes the generated wrapper as the operator's
// API would, unknown fields failing, and wants exactly the source's groups.
func TestPrometheusRuleGroups(t *testing.T) {
	var pr monitoringv1.PrometheusRule
	readYAML(t, prometheusRuleFile, &pr, true)
	var src struct {
		Groups []monitoringv1.RuleGroup `json:"groups"`
	}
	readYAML(t, sourceFile, &src, true)
	if pr.Kind != "PrometheusRule" || pr.Name != "syscall-exporter" || pr.Labels["app.kubernetes.io/name"] != "syscall-exporter" {
		t.Errorf("%s: kind %q, name %q, labels %v", prometheusRuleFile, pr.Kind, pr.Name, pr.Labels)
	}
	if len(src.Groups) == 0 || !reflect.DeepEqual(pr.Spec.Groups, src.Groups) {
		t.Errorf("%s: spec.groups differ from the groups of %s", prometheusRuleFile, sourceFile)
	}
}

// readYAML decodes file into v; strict makes unknown fields errors.
func readYAML(t *testing.T, file string, v any, strict bool) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	unmarshal := yaml.Unmarshal
	if strict {
		unmarshal = yaml.UnmarshalStrict
	}
	if err := unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func TestPromtool(t *testing.T) {
	promtool := lookPromtool(t)
	for _, args := range [][]string{
		{"check", "rules", sourceFile, e2eFile},
		{"test", "rules", testRulesFile},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
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
