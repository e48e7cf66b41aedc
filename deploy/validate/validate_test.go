package validate

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const (
	sidecarName = "syscall-exporter"
	injectLabel = "syscall-exporter.io/inject"
	metricsPort = "metrics"

	exampleDir       = "../kubernetes/examples/nginx"
	exampleNamespace = "syscall-exporter-demo"
)

// strictDecoder decodes YAML the way an API server with
// fieldValidation=Strict does: unknown fields, fields in the wrong case and
// duplicate fields are errors. Kinds outside these groups are errors too.
var strictDecoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))
	utilruntime.Must(appsv1.AddToScheme(scheme))
	utilruntime.Must(monitoringv1.AddToScheme(scheme))
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
}()

func decodeStrict(data []byte) (runtime.Object, error) {
	obj, _, err := strictDecoder.Decode(data, nil, nil)
	return obj, err
}

// rendered is the output of one kustomization, decoded.
type rendered struct {
	deployments     map[string]*appsv1.Deployment
	podMonitors     []*monitoringv1.PodMonitor
	prometheusRules []*monitoringv1.PrometheusRule
	namespaces      []*corev1.Namespace
	services        []*corev1.Service
	all             []metav1.Object
}

// render builds dir as `kubectl apply -k` would and decodes every object.
func render(t *testing.T, dir string) rendered {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out := rendered{deployments: map[string]*appsv1.Deployment{}}
	for _, r := range m.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			t.Fatalf("%s: %v", r.CurId(), err)
		}
		obj, err := decodeStrict(data)
		if err != nil {
			t.Fatalf("%s: %v\n%s", r.CurId(), err, data)
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			out.deployments[o.Name] = o
		case *monitoringv1.PodMonitor:
			out.podMonitors = append(out.podMonitors, o)
		case *monitoringv1.PrometheusRule:
			out.prometheusRules = append(out.prometheusRules, o)
		case *corev1.Namespace:
			out.namespaces = append(out.namespaces, o)
		case *corev1.Service:
			out.services = append(out.services, o)
		default:
			t.Fatalf("%s: no checks for %T; add them here", r.CurId(), obj)
		}
		out.all = append(out.all, obj.(metav1.Object))
	}
	return out
}

// source decodes the Deployments of a manifest file as written.
func source(t *testing.T, path string) map[string]*appsv1.Deployment {
	t.Helper()
	out := map[string]*appsv1.Deployment{}
	for _, doc := range documents(t, path) {
		obj, err := decodeStrict(doc)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		d, ok := obj.(*appsv1.Deployment)
		if !ok {
			t.Fatalf("%s: %T is not a Deployment", path, obj)
		}
		out[d.Name] = d
	}
	return out
}

// documents splits a YAML file into its documents.
func documents(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs [][]byte
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, doc)
	}
}

// TestNoDuplicateKeys covers what rendering cannot: kustomize keeps the
// first of two equal keys in a source file and drops the other silently.
func TestNoDuplicateKeys(t *testing.T) {
	for _, root := range []string{"../kubernetes", "testdata"} {
		err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || filepath.Ext(path) != ".yaml" {
				return err
			}
			for _, doc := range documents(t, path) {
				if _, err := yaml.YAMLToJSONStrict(doc); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestExample(t *testing.T) {
	r := render(t, exampleDir)
	src := source(t, filepath.Join(exampleDir, "deployment.yaml"))

	d := r.deployments["nginx"]
	if d == nil {
		t.Fatal("no nginx Deployment")
	}
	sidecar := checkInjected(t, d)
	if !slices.Contains(sidecar.Args, "--match.comm=^nginx$") || len(sidecar.Args) != 1 {
		t.Errorf("sidecar args = %q, want only the nginx match", sidecar.Args)
	}
	// The app container, and the pod around it, stay as the user wrote them.
	if got, want := d.Spec.Template.Spec.Containers, src["nginx"].Spec.Template.Spec.Containers; !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("nginx containers changed:\ngot  %+v\nwant %+v", got, want)
	}
	if !equality.Semantic.DeepEqual(d.Spec.Selector, src["nginx"].Spec.Selector) {
		t.Errorf("selector changed: %v", d.Spec.Selector)
	}

	checkPodMonitor(t, r, d)
	if len(r.prometheusRules) != 1 {
		t.Errorf("got %d PrometheusRules, want 1", len(r.prometheusRules))
	}

	if len(r.namespaces) != 1 || r.namespaces[0].Name != exampleNamespace {
		t.Fatalf("namespaces = %v, want %s", r.namespaces, exampleNamespace)
	}
	if got := r.namespaces[0].Labels["pod-security.kubernetes.io/enforce"]; got != "privileged" {
		t.Errorf("namespace enforces Pod Security %q; SYS_PTRACE needs privileged", got)
	}
	for _, o := range r.all {
		if _, ok := o.(*corev1.Namespace); !ok && o.GetNamespace() != exampleNamespace {
			t.Errorf("%s is in namespace %q, want %s", o.GetName(), o.GetNamespace(), exampleNamespace)
		}
	}
	if len(r.services) != 1 ||
		!labels.SelectorFromSet(r.services[0].Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("the nginx Service does not select the nginx pods")
	}
}

// TestWorkloadExample checks the example the cluster tests apply: the
// test program, injected, on the node's network in a privileged namespace.
func TestWorkloadExample(t *testing.T) {
	const dir, ns = "../kubernetes/examples/workload", "syscall-exporter-workload"
	r := render(t, dir)
	src := source(t, filepath.Join(dir, "deployment.yaml"))
	d := r.deployments["workload"]
	if d == nil {
		t.Fatal("no workload Deployment")
	}
	sidecar := checkInjected(t, d)
	if !slices.Equal(sidecar.Args, []string{"--match.comm=^podapp$"}) {
		t.Errorf("sidecar args = %q, want only the podapp match", sidecar.Args)
	}
	if got, want := d.Spec.Template.Spec.Containers, src["workload"].Spec.Template.Spec.Containers; !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("app containers changed:\ngot  %+v\nwant %+v", got, want)
	}
	if !slices.Contains(d.Spec.Template.Spec.Containers[0].Args, "podapp") {
		t.Errorf("the app does not name itself podapp: %q", d.Spec.Template.Spec.Containers[0].Args)
	}
	if !d.Spec.Template.Spec.HostNetwork || *d.Spec.Replicas != 1 {
		t.Error("want one replica on the node's network")
	}
	checkPodMonitor(t, r, d)
	if len(r.namespaces) != 1 || r.namespaces[0].Name != ns ||
		r.namespaces[0].Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Fatalf("namespaces = %v, want %s enforcing privileged", r.namespaces, ns)
	}
	for _, o := range r.all {
		if _, ok := o.(*corev1.Namespace); !ok && o.GetNamespace() != ns {
			t.Errorf("%s is in namespace %q, want %s", o.GetName(), o.GetNamespace(), ns)
		}
	}
}

// TestComponent renders the base and components without the example, so
// they are checked on a Deployment that already has an init container, and
// on one that must be left alone.
func TestComponent(t *testing.T) {
	const dir = "testdata/inject"
	r := render(t, dir)
	src := source(t, filepath.Join(dir, "deployments.yaml"))

	app := r.deployments["app"]
	sidecar := checkInjected(t, app)
	if len(sidecar.Args) != 1 || !strings.HasPrefix(sidecar.Args[0], "--match.comm=") {
		t.Errorf("sidecar args = %q, want one --match.comm placeholder", sidecar.Args)
	}
	if got, want := app.Spec.Template.Spec.Containers, src["app"].Spec.Template.Spec.Containers; !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("app containers changed:\ngot  %+v\nwant %+v", got, want)
	}
	if !slices.ContainsFunc(app.Spec.Template.Spec.InitContainers, func(c corev1.Container) bool {
		return equality.Semantic.DeepEqual(c, src["app"].Spec.Template.Spec.InitContainers[0])
	}) {
		t.Errorf("the app's own init container was lost or changed: %+v", app.Spec.Template.Spec.InitContainers)
	}
	checkPodMonitor(t, r, app)

	if got, want := r.deployments["other"], src["other"]; !equality.Semantic.DeepEqual(got.Spec, want.Spec) {
		t.Errorf("a Deployment without the %s label was changed:\n%+v", injectLabel, got.Spec)
	}
}

// checkInjected asserts what the sidecar component promises and returns the
// sidecar container.
func checkInjected(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	pod := d.Spec.Template.Spec
	if pod.ShareProcessNamespace == nil || !*pod.ShareProcessNamespace {
		t.Error("shareProcessNamespace is not true: the exporter cannot see the app")
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g < 10 {
		t.Errorf("terminationGracePeriodSeconds = %s, want >= 10", show(g))
	}
	if slices.ContainsFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == sidecarName }) {
		t.Error("the sidecar is a regular container; it must be a native sidecar")
	}
	i := slices.IndexFunc(pod.InitContainers, func(c corev1.Container) bool { return c.Name == sidecarName })
	if i < 0 {
		t.Fatalf("%s: no %s init container", d.Name, sidecarName)
	}
	c := pod.InitContainers[i]
	if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Errorf("restartPolicy = %s, want Always (native sidecar)", show(c.RestartPolicy))
	}
	if c.Image == "" {
		t.Error("no image")
	}

	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("no securityContext")
	}
	if sc.RunAsUser == nil || *sc.RunAsUser != 0 {
		t.Errorf("runAsUser = %s, want 0: added capabilities only apply to root", show(sc.RunAsUser))
	}
	if sc.RunAsNonRoot == nil || *sc.RunAsNonRoot {
		t.Errorf("runAsNonRoot = %s, want false", show(sc.RunAsNonRoot))
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("privileged")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("allowPrivilegeEscalation = %s, want false", show(sc.AllowPrivilegeEscalation))
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem = %s, want true", show(sc.ReadOnlyRootFilesystem))
	}
	if sc.Capabilities == nil ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		!slices.Equal(sc.Capabilities.Add, []corev1.Capability{"SYS_PTRACE"}) {
		t.Errorf("capabilities = %+v, want drop [ALL] add [SYS_PTRACE]", sc.Capabilities)
	}
	if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile = %+v, want RuntimeDefault", sc.SeccompProfile)
	}

	if !slices.Contains(c.Ports, corev1.ContainerPort{Name: metricsPort, ContainerPort: 8750}) {
		t.Errorf("ports = %+v, want %s: 8750", c.Ports, metricsPort)
	}
	checkProbe(t, "liveness", c.LivenessProbe, "/healthz")
	checkProbe(t, "readiness", c.ReadinessProbe, "/readyz")

	for _, rl := range []struct {
		what string
		list corev1.ResourceList
	}{{"requests", c.Resources.Requests}, {"limits", c.Resources.Limits}} {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := rl.list[name]; !ok || q.Sign() <= 0 {
				t.Errorf("resources.%s.%s not set", rl.what, name)
			}
		}
	}
	// Every traced syscall waits for the tracer: a throttled tracer stalls
	// the app.
	if q := c.Resources.Limits[corev1.ResourceCPU]; q.Cmp(resource.MustParse("1")) < 0 {
		t.Errorf("CPU limit %s is below one core", q.String())
	}

	checkEnv(t, c)
	return c
}

func checkProbe(t *testing.T, what string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("no HTTP %s probe", what)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != metricsPort {
		t.Errorf("%s probe gets %s on port %s, want %s on %s", what, p.HTTPGet.Path, p.HTTPGet.Port.String(), path, metricsPort)
	}
}

// show prints what a pointer field holds.
func show[T any](p *T) string {
	if p == nil {
		return "<unset>"
	}
	return fmt.Sprint(*p)
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func checkEnv(t *testing.T, c corev1.Container) {
	t.Helper()
	fieldRefs := map[string]string{
		"POD_NAME":      "metadata.name",
		"POD_NAMESPACE": "metadata.namespace",
		"POD_UID":       "metadata.uid",
	}
	defined := map[string]bool{}
	var attrs string
	for _, e := range c.Env {
		// The kubelet expands $(VAR) only for variables defined earlier in
		// the list and leaves any other reference as it is.
		for _, m := range envRef.FindAllStringSubmatch(e.Value, -1) {
			if !defined[m[1]] {
				t.Errorf("env %s refers to $(%s), which is not defined before it", e.Name, m[1])
			}
		}
		defined[e.Name] = true
		if path, ok := fieldRefs[e.Name]; ok {
			if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != path {
				t.Errorf("env %s does not come from the Downward API field %s", e.Name, path)
			}
			delete(fieldRefs, e.Name)
		}
		switch e.Name {
		case "CONTAINER_NAME":
			if e.Value != c.Name {
				t.Errorf("CONTAINER_NAME = %q, want the container's name %q", e.Value, c.Name)
			}
		case "OTEL_RESOURCE_ATTRIBUTES":
			attrs = e.Value
		}
	}
	for name := range fieldRefs {
		t.Errorf("env %s missing", name)
	}
	have := map[string]string{}
	for kv := range strings.SplitSeq(attrs, ",") {
		k, v, _ := strings.Cut(kv, "=")
		have[k] = v
	}
	for k, v := range map[string]string{
		"k8s.pod.name":       "$(POD_NAME)",
		"k8s.namespace.name": "$(POD_NAMESPACE)",
		"k8s.pod.uid":        "$(POD_UID)",
		"k8s.container.name": "$(CONTAINER_NAME)",
	} {
		if have[k] != v {
			t.Errorf("OTEL_RESOURCE_ATTRIBUTES %q: %s = %q, want %q", attrs, k, have[k], v)
		}
	}
	if !defined["OTEL_SERVICE_NAME"] {
		t.Error("OTEL_SERVICE_NAME not set")
	}
}

// checkPodMonitor asserts that exactly one PodMonitor scrapes the sidecar's
// metrics port in d's pods.
func checkPodMonitor(t *testing.T, r rendered, d *appsv1.Deployment) {
	t.Helper()
	if len(r.podMonitors) != 1 {
		t.Fatalf("got %d PodMonitors, want 1", len(r.podMonitors))
	}
	pm := r.podMonitors[0]
	sel, err := metav1.LabelSelectorAsSelector(&pm.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("PodMonitor selector %s does not match the pods of %s (%v)", sel, d.Name, d.Spec.Template.Labels)
	}
	if d.Spec.Template.Labels[injectLabel] != "true" {
		t.Errorf("pod template lacks %s=true", injectLabel)
	}
	eps := pm.Spec.PodMetricsEndpoints
	if len(eps) != 1 {
		t.Fatalf("PodMonitor has %d endpoints, want 1", len(eps))
	}
	if eps[0].Port == nil || *eps[0].Port != metricsPort || eps[0].Path != "/metrics" {
		t.Errorf("PodMonitor scrapes port %s path %q, want port %s path /metrics", show(eps[0].Port), eps[0].Path, metricsPort)
	}
}

// TestStrictDecoding proves the decoding above would catch a typo: the same
// manifest decodes when spelt right and fails when a field is misspelt or
// has the wrong case.
func TestStrictDecoding(t *testing.T) {
	const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  selector:
    matchLabels: {app: typo}
  template:
    metadata:
      labels: {app: typo}
    spec:
      shareProcessNamespace: true
      containers:
        - name: app
          image: busybox
          securityContext:
            readOnlyRootFilesystem: true
`
	if _, err := decodeStrict([]byte(manifest)); err != nil {
		t.Fatalf("the correct manifest does not decode: %v", err)
	}
	for _, typo := range []struct{ from, to string }{
		{"shareProcessNamespace", "shareProcessNamspace"},
		{"readOnlyRootFilesystem", "readonlyRootFilesystem"},
	} {
		bad := strings.Replace(manifest, typo.from, typo.to, 1)
		_, err := decodeStrict([]byte(bad))
		if err == nil || !runtime.IsStrictDecodingError(err) || !strings.Contains(err.Error(), typo.to) {
			t.Errorf("%s: got error %v, want a strict decoding error naming it", typo.to, err)
		}
	}
}

// TestWorkloadEBPFExample checks the eBPF variant of the workload example:
// the same sidecar, with the backend chosen in its command (so that the
// args patch keeps it) and BPF and PERFMON instead of SYS_PTRACE.
func TestWorkloadEBPFExample(t *testing.T) {
	sidecarOf := func(dir string) corev1.Container {
		d := render(t, dir).deployments["workload"]
		if d == nil {
			t.Fatalf("%s: no workload Deployment", dir)
		}
		i := slices.IndexFunc(d.Spec.Template.Spec.InitContainers, func(c corev1.Container) bool { return c.Name == sidecarName })
		if i < 0 {
			t.Fatalf("%s: no sidecar", dir)
		}
		return d.Spec.Template.Spec.InitContainers[i]
	}
	ptrace, ebpf := sidecarOf("../kubernetes/examples/workload"), sidecarOf("../kubernetes/examples/workload-ebpf")
	if !slices.Equal(ebpf.Command, []string{"/syscall_exporter", "--backend=ebpf"}) {
		t.Errorf("command = %q, want the entrypoint with --backend=ebpf", ebpf.Command)
	}
	if !slices.Equal(ebpf.Args, ptrace.Args) {
		t.Errorf("args = %q, want the ptrace sidecar's %q", ebpf.Args, ptrace.Args)
	}
	if c := ebpf.SecurityContext.Capabilities; !slices.Equal(c.Drop, []corev1.Capability{"ALL"}) ||
		!slices.Equal(c.Add, []corev1.Capability{"BPF", "PERFMON"}) {
		t.Errorf("capabilities = %+v, want drop [ALL] add [BPF PERFMON]", c)
	}
	ebpf.Command = nil
	ebpf.SecurityContext.Capabilities = ptrace.SecurityContext.Capabilities
	if !equality.Semantic.DeepEqual(ebpf, ptrace) {
		t.Errorf("the eBPF sidecar differs from the ptrace one beyond command and capabilities:\n%+v\n%+v", ebpf, ptrace)
	}
}
