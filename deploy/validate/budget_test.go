package validate

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// selfSeries is what the PodMonitor's sampleLimit allows on top of the
// syscall_* budget, for the exporter's own metrics.
const selfSeries = 500

// The series budget agrees everywhere it is written: the flag's default
// in the code, the README's flags table and formula, the PodMonitor's
// sampleLimit, and the sidecar's memory limit against the RSS the README
// promises at that budget.
func TestSeriesBudgetAgrees(t *testing.T) {
	code := read(t, "../../cmd/syscall_exporter/hardening.go")
	readme := read(t, "../../README.md")
	flagDefault := atoi(t, find(t, code, `name:"metrics.max-series" default:"(\d+)"`))
	if table := atoi(t, find(t, readme, "\\| `--metrics.max-series` \\| `(\\d+)` \\|")); table != flagDefault {
		t.Errorf("README's flags table says --metrics.max-series defaults to %d, the code %d", table, flagDefault)
	}
	// The formula's worked example: the default holds about N thread ×
	// syscall pairs at 27 series each.
	perPair := atoi(t, find(t, readme, `a\s+thread\s+×\s+syscall\s+costs\s+(\d+)\s+series`))
	if perPair != 1+22+3+1 {
		t.Errorf("README: a thread × syscall costs %d series, want 1 + 22 classic buckets + 3 + 1 native", perPair)
	}
	pairs := atoi(t, find(t, readme, `the default of [\d ]+ holds\s+about\s+(\d+)`))
	if pairs != flagDefault/perPair {
		t.Errorf("README: the default holds about %d pairs, %d / %d is %d", pairs, flagDefault, perPair, flagDefault/perPair)
	}

	pm, ok := decodeOne(t, "../kubernetes/base/podmonitor.yaml").(*monitoringv1.PodMonitor)
	if !ok {
		t.Fatal("podmonitor.yaml holds no PodMonitor")
	}
	if pm.Spec.SampleLimit == nil || *pm.Spec.SampleLimit != int64(flagDefault+selfSeries) {
		t.Errorf("PodMonitor sampleLimit = %v, want --metrics.max-series's %d + %d for the exporter's own", show(pm.Spec.SampleLimit), flagDefault, selfSeries)
	}
	if pm.Spec.LabelLimit == nil || pm.Spec.LabelValueLengthLimit == nil {
		t.Errorf("PodMonitor sets no labelLimit or labelValueLengthLimit")
	}

	d, ok := decodeOne(t, "../kubernetes/components/sidecar/sidecar.yaml").(*appsv1.Deployment)
	if !ok {
		t.Fatal("sidecar.yaml holds no Deployment patch")
	}
	var sidecar *corev1.Container
	for i := range d.Spec.Template.Spec.InitContainers {
		if c := &d.Spec.Template.Spec.InitContainers[i]; c.Name == sidecarName {
			sidecar = c
		}
	}
	if sidecar == nil {
		t.Fatal("no sidecar in the component")
	}
	for _, a := range sidecar.Args {
		if regexp.MustCompile(`^--metrics\.max-series`).MatchString(a) {
			t.Errorf("the sidecar sets %s: the PodMonitor's sampleLimit assumes the default", a)
		}
	}
	limit := sidecar.Resources.Limits[corev1.ResourceMemory]
	promised := resource.MustParse(find(t, readme, `RSS stays under (\d+\s*Mi)B?\s+at\s+the\s+default\s+budget`))
	half := limit.DeepCopy()
	half.Set(limit.Value() / 2)
	if promised.Cmp(half) > 0 {
		t.Errorf("README promises RSS under %s at the default budget; the sidecar's limit is %s, want at most half", promised.String(), limit.String())
	}
}

func decodeOne(t *testing.T, path string) any {
	t.Helper()
	docs := documents(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want 1", path, len(docs))
	}
	obj, err := decodeStrict(docs[0])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func find(t *testing.T, text, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no match for %s", re)
	}
	return regexp.MustCompile(`\s`).ReplaceAllString(m[1], "")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
