package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// The manifests of deploy/kubernetes, applied to the real cluster of
// cluster_test.go as users apply them (kubectl apply -k), with only the
// image names replaced by the images the tests build.

// sidecarVariant is one way of running the sidecar, with the example that
// injects it.
type sidecarVariant struct {
	name    string
	example string   // under deploy/kubernetes/examples
	caps    []string // the sidecar's securityContext.capabilities.add
	// kept are the capabilities its process still has once attached
	// (--capabilities.keep's default, within caps).
	kept []string
	// attached says whether the exporter (host PID) watches the app.
	attached func(app, exporter int) bool
	// announce: the app cannot see this tracer (no TracerPid), so the
	// test tells it, by a second SIGUSR1, once attached says so.
	announce bool
}

var sidecarVariants = []sidecarVariant{
	{name: "ptrace", example: "workload", caps: []string{"SYS_PTRACE"}, kept: []string{"SYS_PTRACE"}, attached: ptracedBy},
	{name: "ebpf", example: "workload-ebpf", caps: []string{"BPF", "PERFMON"}, kept: []string{"BPF"}, attached: pidfdHeldBy, announce: true},
}

// The workload example's app: what deployment.yaml's args make it do.
const (
	workloadNamespace = "syscall-exporter-workload"
	workloadGetppids  = 400 // by each of getter-0…3
	workloadENOENTs   = 3   // by opener
	sidecarPort       = "8750"
)

// capBits are the capabilities' numbers (linux/capability.h).
var capBits = map[string]uint{"SYS_PTRACE": 19, "PERFMON": 38, "BPF": 39}

func TestClusterSidecar(t *testing.T) {
	c := requireCluster(t)
	for _, v := range sidecarVariants {
		t.Run(v.name, func(t *testing.T) { testSidecar(t, c, v) })
	}
}

func testSidecar(t *testing.T, c *cluster, v sidecarVariant) {
	ov := c.overlay(t, v.example)
	c.apply(t, ov)
	t.Cleanup(func() { c.deleteKustomization(t, ov, workloadNamespace) })
	base := "http://" + nodeIP + ":" + sidecarPort

	var p k8sPod
	var appPID, expPID int
	if !t.Run("ReadyOnlyOnceAttached", func(t *testing.T) {
		start := time.Now()
		p = c.waitPod(t, workloadNamespace, "app.kubernetes.io/name=workload", 60*time.Second, "both containers running",
			func(p *k8sPod) bool { return p.running("syscall-exporter") && p.running("app") })
		expPID, appPID = c.pid(t, p, "syscall-exporter"), c.pid(t, p, "app")
		t.Logf("both containers running %.1fs after kubectl apply", time.Since(start).Seconds())
		c.waitLog(t, p, "app", 0, "gated", 20*time.Second)
		// The kubelet has probed the sidecar and found it unready: nothing
		// in the pod is named podapp yet.
		c.waitEvent(t, p, "Unhealthy", "Readiness probe failed", 30*time.Second)
		p = c.getPod(t, workloadNamespace, p.Metadata.Name)
		if r, n := p.readyCount(); p.ready() || r != 1 || n != 2 {
			t.Errorf("before the app is named podapp: pod Ready %v, %d/%d containers ready; want 1/2", p.ready(), r, n)
		}
		if code := statusIn(t, c.http, base+"/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("sidecar /readyz before attaching: %d, want 503", code)
		}
		if v.attached(appPID, expPID) {
			t.Fatal("the exporter watches the app before it is named podapp")
		}

		released := time.Now()
		if err := syscall.Kill(appPID, syscall.SIGUSR1); err != nil {
			t.Fatal(err)
		}
		p = c.waitPod(t, workloadNamespace, "app.kubernetes.io/name=workload", 30*time.Second, "pod Ready",
			func(p *k8sPod) bool { return p.ready() })
		if r, n := p.readyCount(); r != 2 || n != 2 {
			t.Errorf("pod Ready with %d/%d containers ready, want 2/2", r, n)
		}
		if !v.attached(appPID, expPID) {
			t.Error("pod Ready, but the exporter does not watch the app")
		}
		if v.announce {
			if err := syscall.Kill(appPID, syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("pod Ready 2/2 %.1fs after the app was released (the readiness probe runs every 5 s)", time.Since(released).Seconds())
	}) {
		return
	}

	if !t.Run("ExactCounts", func(t *testing.T) {
		c.waitLog(t, p, "app", 0, "done", 20*time.Second)
		m := scrapeWith(t, c.http, base+"/metrics")
		checkWorkloadCounts(t, m, 1)
		if code := statusIn(t, c.http, base+"/readyz"); code != http.StatusOK {
			t.Errorf("sidecar /readyz with the app traced: %d, want 200", code)
		}
	}) {
		return
	}

	t.Run("OnlyItsCapabilities", func(t *testing.T) {
		// As the API server admitted the pod...
		sc := p.container("syscall-exporter").SecurityContext
		if sc == nil || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Add, v.caps) || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
			t.Errorf("sidecar securityContext %+v, want capabilities drop [ALL] add %v", sc, v.caps)
		}
		// ...and as the kernel sees its process.
		var bound, kept uint64
		for _, c := range v.caps {
			bound |= 1 << capBits[c]
		}
		for _, c := range v.kept {
			kept |= 1 << capBits[c]
		}
		st := procStatus(t, expPID)
		for k, w := range map[string]string{
			"CapEff": fmt.Sprintf("%016x", kept), "CapPrm": fmt.Sprintf("%016x", kept), "CapBnd": fmt.Sprintf("%016x", bound),
			"CapInh": "0000000000000000", "CapAmb": "0000000000000000",
			"NoNewPrivs": "1", "Seccomp": "2",
		} {
			if st[k] != w {
				t.Errorf("sidecar process %d: %s %s, want %s", expPID, k, st[k], w)
			}
		}
		if uid := strings.Fields(st["Uid"]); len(uid) == 0 || uid[0] != "0" {
			t.Errorf("sidecar process runs as UID %v, want 0", st["Uid"])
		}
		if a, b := nsOf(t, appPID, "pid"), nsOf(t, expPID, "pid"); a != b {
			t.Errorf("app in PID namespace %s, sidecar in %s: want one, shared", a, b)
		}
	})

	if !t.Run("RestartReattached", func(t *testing.T) {
		before := p.status("app")
		if err := syscall.Kill(appPID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		p = c.waitPod(t, workloadNamespace, "app.kubernetes.io/name=workload", 60*time.Second, "the app restarted by the kubelet",
			func(p *k8sPod) bool {
				s := p.status("app")
				return s != nil && s.RestartCount == before.RestartCount+1 && s.State.Running != nil && s.ContainerID != before.ContainerID
			})
		appPID = c.pid(t, p, "app")
		c.waitLog(t, p, "app", 1, "gated", 20*time.Second)
		// Between the two instances: the first one's counts, not fewer.
		checkWorkloadCounts(t, scrapeWith(t, c.http, base+"/metrics"), 1)
		if err := syscall.Kill(appPID, syscall.SIGUSR1); err != nil {
			t.Fatal(err)
		}
		if v.announce {
			eventually(t, 30*time.Second, "the restarted app watched", func() bool { return v.attached(appPID, expPID) })
			if err := syscall.Kill(appPID, syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
		}
		c.waitLog(t, p, "app", 1, "done", 20*time.Second)
		p = c.waitPod(t, workloadNamespace, "app.kubernetes.io/name=workload", 30*time.Second, "pod Ready again",
			func(p *k8sPod) bool { return p.ready() })
		if !v.attached(appPID, expPID) {
			t.Error("the restarted app is not watched")
		}
		checkWorkloadCounts(t, scrapeWith(t, c.http, base+"/metrics"), 2)
		if s := p.status("syscall-exporter"); s.RestartCount != 0 || c.pid(t, p, "syscall-exporter") != expPID {
			t.Errorf("the sidecar restarted (%d restarts) with the app", s.RestartCount)
		}
	}) {
		return
	}

	t.Run("DeletionOrder", func(t *testing.T) {
		appLog := c.openLog(t, p, "app", p.status("app").RestartCount)
		expLog := c.openLog(t, p, "syscall-exporter", 0)
		gone := watchExits(map[string]int{"app": appPID, "syscall-exporter": expPID})
		w := c.watchPod(t, workloadNamespace, p.Metadata.Name)

		deleted := time.Now()
		if _, err := c.kubectl(nil, "delete", "-k", ov, "--wait=false"); err != nil {
			t.Fatal(err)
		}
		if err := c.waitFor(60*time.Second, "pod "+p.Metadata.Name+" gone", func() error {
			out, err := c.kubectl(nil, "get", "pod", "-n", workloadNamespace, p.Metadata.Name, "--ignore-not-found", "-o", "name")
			if err == nil && strings.TrimSpace(out) != "" {
				err = fmt.Errorf("still there")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		goneAt := time.Now()
		deleting, last := w.stop(t)
		t.Logf("pod gone %.1fs after kubectl delete", goneAt.Sub(deleted).Seconds())

		if g := deleting.Metadata.DeletionGracePeriodSeconds; g == nil || *g != 30 {
			t.Errorf("deletion grace period %v s, want the component's 30", g)
		}
		// The API server's deadline, in whole seconds.
		if !goneAt.Before(deleting.Metadata.DeletionTimestamp.Add(time.Second)) {
			t.Errorf("pod gone at %v, after its grace period ended at %v", goneAt, *deleting.Metadata.DeletionTimestamp)
		}
		for _, name := range []string{"app", "syscall-exporter"} {
			s := last.status(name)
			if s == nil || s.State.Terminated == nil || s.State.Terminated.ExitCode != 0 {
				t.Errorf("%s's last state %+v, want terminated with exit code 0 (SIGTERM handled, not SIGKILL)", name, s)
			}
		}

		app, exp := readLog(t, appLog), readLog(t, expLog)
		appTerm, appExit := app.find("terminating "), app.find("exiting")
		detaching := exp.find(`msg=detaching signal=terminated`)
		if appTerm == nil || appExit == nil || detaching == nil {
			t.Fatalf("log lines missing:\napp:\n%s\nsidecar:\n%s", app, exp)
		}
		if !strings.Contains(appTerm.msg, "traced=1") && v.name == "ptrace" {
			t.Errorf("app at its SIGTERM: %q, want it still traced", appTerm.msg)
		}
		if !appExit.at.Before(detaching.at) {
			t.Errorf("the sidecar got SIGTERM at %v, before the app's last line at %v", detaching.at, appExit.at)
		}
		exits := gone.wait(t, 10*time.Second)
		if !exits["app"].Before(exits["syscall-exporter"]) {
			t.Errorf("the app exited at %v, the sidecar at %v: want the app first", exits["app"], exits["syscall-exporter"])
		}
		t.Logf("app SIGTERM→exit %v; app exit→sidecar SIGTERM %v; sidecar SIGTERM→exit %v",
			appExit.at.Sub(appTerm.at).Round(time.Millisecond), detaching.at.Sub(appExit.at).Round(time.Millisecond),
			exits["syscall-exporter"].Sub(detaching.at).Round(time.Millisecond))
	})
}

// checkWorkloadCounts checks the scrape against runs instances of the
// workload example's app.
func checkWorkloadCounts(t *testing.T, m metrics, runs int) {
	t.Helper()
	for i := 0; i < 4; i++ {
		if got := m.get("syscall_calls_total", "process", "podapp", "thread", "getter-"+strconv.Itoa(i), "syscall", "getppid"); got != float64(runs*workloadGetppids) {
			t.Errorf("after %d run(s): getter-%d getppid = %v, want %d", runs, i, got, runs*workloadGetppids)
		}
	}
	if got := m.get("syscall_calls_total", "process", "podapp", "thread", "opener", "syscall", "openat"); got != float64(runs*workloadENOENTs) {
		t.Errorf("after %d run(s): opener openat = %v, want %d", runs, got, runs*workloadENOENTs)
	}
	if got := m.get("syscall_errors_total", "process", "podapp", "thread", "opener", "errno", "ENOENT"); got != float64(runs*workloadENOENTs) {
		t.Errorf("after %d run(s): opener ENOENT = %v, want %d", runs, got, runs*workloadENOENTs)
	}
	if t.Failed() {
		t.Logf("syscall_calls_total:\n%s", m.dump("syscall_calls_total"))
	}
}

// TestClusterManifestsAdmitted applies the nginx example with nginx
// replaced by an image of ours. The API server accepts every object, with
// no warning, and the pod the Deployment makes is admitted with the native
// sidecar as the component wrote it. The node is cordoned meanwhile: with
// no pod network here, nginx's pod could not turn Ready anyway.
func TestClusterManifestsAdmitted(t *testing.T) {
	c := requireCluster(t)
	const ns = "syscall-exporter-demo"
	if _, err := c.kubectl(nil, "cordon", nodeName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := c.kubectl(nil, "uncordon", nodeName); err != nil {
			t.Error(err)
		}
	})
	ov := c.overlay(t, "nginx")
	rendered, err := c.kubectl(nil, "kustomize", ov)
	if err != nil {
		t.Fatal(err)
	}
	out := c.apply(t, ov)
	t.Cleanup(func() { c.deleteKustomization(t, ov, ns) })
	kinds := strings.Count(rendered, "\n---\n") + 1
	var created []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasSuffix(l, " created") {
			created = append(created, strings.TrimSuffix(l, " created"))
		}
	}
	slices.Sort(created)
	want := []string{
		"deployment.apps/nginx", "namespace/" + ns,
		"podmonitor.monitoring.coreos.com/syscall-exporter",
		"prometheusrule.monitoring.coreos.com/syscall-exporter",
		"service/nginx",
	}
	if !slices.Equal(created, want) || kinds != len(want) {
		t.Errorf("kubectl apply created %q (%d objects rendered), want %q", created, kinds, want)
	}
	for _, obj := range want[2:4] {
		if _, err := c.kubectl(nil, "get", "-n", ns, obj); err != nil {
			t.Error(err)
		}
	}

	p := c.waitPod(t, ns, "app.kubernetes.io/name=nginx", 30*time.Second, "the Deployment's pod admitted",
		func(p *k8sPod) bool { return p.Metadata.Name != "" })
	if len(p.Spec.InitContainers) != 1 || p.Spec.InitContainers[0].Name != "syscall-exporter" ||
		p.Spec.InitContainers[0].RestartPolicy == nil || *p.Spec.InitContainers[0].RestartPolicy != "Always" {
		t.Errorf("admitted pod's init containers %+v, want the native sidecar (restartPolicy Always)", p.Spec.InitContainers)
	}
	if p.Spec.ShareProcessNamespace == nil || !*p.Spec.ShareProcessNamespace {
		t.Error("admitted pod does not share its PID namespace")
	}
	if g := p.Spec.TerminationGracePeriodSeconds; g == nil || *g != 30 {
		t.Errorf("admitted pod's terminationGracePeriodSeconds %v, want 30", g)
	}
	if img := p.Spec.InitContainers[0].Image; img != c.images["exporter"].Ref {
		t.Errorf("sidecar image %q, want %q", img, c.images["exporter"].Ref)
	}
}

// TestClusterPodSecurityBaseline: in a namespace that enforces the
// "baseline" Pod Security Standard, the API server rejects the injected
// pod, with the message deploy/README.md quotes.
func TestClusterPodSecurityBaseline(t *testing.T) {
	c := requireCluster(t)
	const ns = "syscall-exporter-baseline"
	ov := c.overlay(t, "nginx", "namespace: "+ns, `patches:
  - target:
      kind: Namespace
    patch: |-
      - op: replace
        path: /metadata/labels/pod-security.kubernetes.io~1enforce
        value: baseline`)
	_, warnings, err := c.kubectlStderr(nil, "apply", "-k", ov)
	if err != nil {
		t.Fatalf("kubectl apply -k: %v: %s", err, warnings)
	}
	t.Cleanup(func() { c.deleteKustomization(t, ov, ns) })

	readme, err := os.ReadFile("../deploy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The Deployment itself is stored, with a warning...
	if w := `would violate PodSecurity "baseline:latest"`; !strings.Contains(warnings, w) {
		t.Errorf("kubectl apply warned %q, want %q", warnings, w)
	}
	// ...and its ReplicaSet cannot create the pod.
	var msg string
	if err := c.waitFor(30*time.Second, "the ReplicaSet's failure", func() error {
		var rs struct {
			Items []struct {
				Status struct {
					Conditions []struct{ Type, Status, Message string }
				}
			}
		}
		if err := c.getJSON(&rs, "get", "replicasets", "-n", ns); err != nil {
			return err
		}
		for _, r := range rs.Items {
			for _, cond := range r.Status.Conditions {
				if cond.Type == "ReplicaFailure" && cond.Status == "True" {
					msg = cond.Message
					return nil
				}
			}
		}
		return fmt.Errorf("no ReplicaFailure yet")
	}); err != nil {
		t.Fatal(err)
	}
	_, rejection, ok := strings.Cut(msg, " is forbidden: ")
	if !ok || !strings.HasPrefix(rejection, "violates PodSecurity ") {
		t.Fatalf("pod creation failed with %q, want a PodSecurity rejection", msg)
	}
	if !strings.Contains(string(readme), rejection) {
		t.Errorf("the API server's rejection is not quoted in deploy/README.md:\n%s", rejection)
	}
	if out, _ := c.kubectl(nil, "get", "pods", "-n", ns, "-o", "name"); strings.TrimSpace(out) != "" {
		t.Errorf("pods created in a baseline namespace: %s", out)
	}
}

// overlay writes a kustomization that applies deploy/kubernetes/examples/
// EXAMPLE with the images replaced by those the tests built, and whatever
// extra top-level fields are given. It returns its directory.
func (c *cluster) overlay(t *testing.T, example string, extra ...string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("../deploy/kubernetes/examples", example))
	if err != nil {
		t.Fatal(err)
	}
	image := func(from, to string) string {
		name, tag, _ := strings.Cut(c.images[to].Ref[len(imageRepo):], ":")
		return fmt.Sprintf("  - name: %s\n    newName: %s\n    newTag: %q\n", from, imageRepo+name, tag)
	}
	dir := t.TempDir()
	// Kustomize takes no absolute path of a kustomization.
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		t.Fatal(err)
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + rel + "\nimages:\n" +
		image("ghcr.io/syscall-exporter/syscall_exporter", "exporter") +
		image("localhost/syscall_exporter/workload", "workload") +
		image("nginx", "workload") + strings.Join(extra, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// apply runs kubectl apply -k, which must succeed without a warning.
func (c *cluster) apply(t *testing.T, dir string) string {
	t.Helper()
	out, stderr, err := c.kubectlStderr(nil, "apply", "-k", dir)
	if err != nil {
		t.Fatalf("kubectl apply -k: %v\n%s%s", err, out, stderr)
	}
	if strings.TrimSpace(stderr) != "" {
		t.Errorf("kubectl apply -k warned:\n%s", stderr)
	}
	return out
}

// deleteKustomization deletes what dir applied and waits until its
// namespace is gone, so that the next test starts on an empty node.
func (c *cluster) deleteKustomization(t *testing.T, dir, ns string) {
	t.Helper()
	if _, err := c.kubectl(nil, "delete", "-k", dir, "--ignore-not-found", "--wait=false"); err != nil {
		t.Error(err)
	}
	if _, err := c.kubectl(nil, "wait", "--for=delete", "namespace/"+ns, "--timeout=90s"); err != nil && !strings.Contains(err.Error(), "NotFound") {
		t.Error(err)
	}
}

type k8sPod struct {
	Metadata struct {
		Name, Namespace, UID       string
		DeletionTimestamp          *time.Time
		DeletionGracePeriodSeconds *int64
	}
	Spec struct {
		HostNetwork                   bool
		ShareProcessNamespace         *bool
		TerminationGracePeriodSeconds *int64
		InitContainers, Containers    []k8sContainer
	}
	Status struct {
		Phase                                    string
		Conditions                               []struct{ Type, Status string }
		InitContainerStatuses, ContainerStatuses []k8sContainerStatus
	}
}

type k8sContainer struct {
	Name, Image     string
	RestartPolicy   *string
	SecurityContext *struct {
		Capabilities *struct{ Add, Drop []string }
	}
}

type k8sContainerStatus struct {
	Name         string
	Ready        bool
	RestartCount int
	ContainerID  string
	State        struct {
		Running    *struct{ StartedAt time.Time }
		Terminated *struct {
			ExitCode int
			Reason   string
		}
		Waiting *struct{ Reason, Message string }
	}
}

func (p *k8sPod) container(name string) *k8sContainer {
	for _, c := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
		if c.Name == name {
			return &c
		}
	}
	return &k8sContainer{}
}

func (p *k8sPod) status(name string) *k8sContainerStatus {
	for _, s := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		if s.Name == name {
			return &s
		}
	}
	return nil
}

func (p *k8sPod) running(name string) bool {
	s := p.status(name)
	return s != nil && s.State.Running != nil && s.ContainerID != ""
}

func (p *k8sPod) ready() bool {
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status == "True"
		}
	}
	return false
}

// readyCount is kubectl's READY column: ready containers, the native
// sidecars among them, of all that run for the pod's life.
func (p *k8sPod) readyCount() (ready, total int) {
	for _, s := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
		if s.Ready {
			ready++
		}
	}
	return ready, len(p.Spec.Containers) + len(p.Spec.InitContainers)
}

func (c *cluster) getPod(t *testing.T, ns, name string) k8sPod {
	t.Helper()
	var p k8sPod
	if err := c.getJSON(&p, "get", "pod", "-n", ns, name); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitPod waits until the one pod that selector selects satisfies cond.
func (c *cluster) waitPod(t *testing.T, ns, selector string, timeout time.Duration, what string, cond func(*k8sPod) bool) k8sPod {
	t.Helper()
	var last k8sPod
	err := c.waitFor(timeout, what, func() error {
		var list struct{ Items []k8sPod }
		if err := c.getJSON(&list, "get", "pods", "-n", ns, "-l", selector); err != nil {
			return err
		}
		if len(list.Items) != 1 {
			return fmt.Errorf("%d pods", len(list.Items))
		}
		last = list.Items[0]
		if !cond(&last) {
			st, _ := json.Marshal(last.Status)
			return fmt.Errorf("pod %s: %s", last.Metadata.Name, st)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// pid returns the host PID of a container's process.
func (c *cluster) pid(t *testing.T, p k8sPod, container string) int {
	t.Helper()
	s := p.status(container)
	if s == nil {
		t.Fatalf("no status of container %s", container)
	}
	pid, err := c.taskPID(s.ContainerID)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitEvent waits for an event about the pod with this reason and a
// message containing msg.
func (c *cluster) waitEvent(t *testing.T, p k8sPod, reason, msg string, timeout time.Duration) {
	t.Helper()
	err := c.waitFor(timeout, reason+" event", func() error {
		var ev struct{ Items []struct{ Message string } }
		if err := c.getJSON(&ev, "get", "events", "-n", p.Metadata.Namespace,
			"--field-selector", "involvedObject.name="+p.Metadata.Name+",reason="+reason); err != nil {
			return err
		}
		for _, e := range ev.Items {
			if strings.Contains(e.Message, msg) {
				return nil
			}
		}
		return fmt.Errorf("events: %+v", ev.Items)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// logPath is where the kubelet has containerd write a container's output.
func (c *cluster) logPath(p k8sPod, container string, restart int) string {
	return c.path("pod-logs", p.Metadata.Namespace+"_"+p.Metadata.Name+"_"+p.Metadata.UID, container, strconv.Itoa(restart)+".log")
}

func (c *cluster) waitLog(t *testing.T, p k8sPod, container string, restart int, msg string, timeout time.Duration) {
	t.Helper()
	path := c.logPath(p, container, restart)
	err := c.waitFor(timeout, container+" to print "+msg, func() error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if criLog(parseCRILog(b)).find(msg) == nil {
			return fmt.Errorf("log: %s", b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openLog opens a container's log, to read it after the kubelet has
// removed it with the pod.
func (c *cluster) openLog(t *testing.T, p k8sPod, container string, restart int) *os.File {
	t.Helper()
	f, err := os.Open(c.logPath(p, container, restart))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type criLine struct {
	at  time.Time
	msg string
}

type criLog []criLine

// parseCRILog reads the CRI log format: "TIME STREAM F|P MESSAGE".
func parseCRILog(b []byte) []criLine {
	var lines []criLine
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.SplitN(l, " ", 4)
		if len(f) < 4 {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, f[0])
		if err != nil {
			continue
		}
		lines = append(lines, criLine{at, f[3]})
	}
	return lines
}

func readLog(t *testing.T, f *os.File) criLog {
	t.Helper()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	return parseCRILog(buf.Bytes())
}

func (l criLog) find(s string) *criLine {
	for i := range l {
		if strings.Contains(l[i].msg, s) {
			return &l[i]
		}
	}
	return nil
}

func (l criLog) String() string {
	var b strings.Builder
	for _, x := range l {
		fmt.Fprintf(&b, "%s %s\n", x.at.Format(time.RFC3339Nano), x.msg)
	}
	return b.String()
}

// podWatch is kubectl get -w on one pod: it keeps the last state seen.
type podWatch struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	last     k8sPod
	deleting *k8sPod // the first state with a deletion timestamp
	seen     chan struct{}
	done     chan struct{}
}

func (c *cluster) watchPod(t *testing.T, ns, name string) *podWatch {
	t.Helper()
	cmd := exec.Command("nsenter", "--net="+c.netns, "--", filepath.Join(c.bin, "kubectl"), "--kubeconfig="+c.kubecfg,
		"--cache-dir="+c.path("kubectl-cache"), "get", "pod", "-n", ns, name, "--watch", "--output-watch-events", "-o", "json")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &podWatch{cmd: cmd, seen: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		dec := json.NewDecoder(bufio.NewReader(out))
		first := true
		for {
			var ev struct {
				Type   string
				Object k8sPod
			}
			if dec.Decode(&ev) != nil {
				return
			}
			w.mu.Lock()
			w.last = ev.Object
			if w.deleting == nil && ev.Object.Metadata.DeletionTimestamp != nil {
				w.deleting = &ev.Object
			}
			w.mu.Unlock()
			if first {
				close(w.seen)
				first = false
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); <-w.done; cmd.Wait() })
	select {
	case <-w.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("kubectl get --watch printed nothing")
	}
	return w
}

// stop ends the watch after it has seen the pod's deletion. It returns the
// pod as the deletion request left it, and its last state.
func (w *podWatch) stop(t *testing.T) (deleting, last k8sPod) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // the DELETED event may trail the GET that found nothing
	w.cmd.Process.Kill()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deleting == nil {
		t.Fatalf("the watch saw no deletion; last %+v", w.last.Metadata)
	}
	return *w.deleting, w.last
}

// exitWatch polls processes every 2 ms and notes when each is gone.
type exitWatch struct {
	mu    sync.Mutex
	times map[string]time.Time
	done  chan struct{}
}

func watchExits(pids map[string]int) *exitWatch {
	w := &exitWatch{times: map[string]time.Time{}, done: make(chan struct{})}
	sts := map[string]uint64{}
	for name, pid := range pids {
		sts[name], _ = startTime(pid)
	}
	go func() {
		defer close(w.done)
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			w.mu.Lock()
			for name, pid := range pids {
				if _, ok := w.times[name]; !ok && !alive(pid, sts[name]) {
					w.times[name] = time.Now()
				}
			}
			n := len(w.times)
			w.mu.Unlock()
			if n == len(pids) {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return w
}

func (w *exitWatch) wait(t *testing.T, timeout time.Duration) map[string]time.Time {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(timeout):
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.times)
}

// pidfdHeldBy says whether process exporter holds a pidfd of process pid:
// the eBPF backend holds one for every process it attached to.
func pidfdHeldBy(pid, exporter int) bool {
	dir := "/proc/" + strconv.Itoa(exporter) + "/fdinfo"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	want := "Pid:\t" + strconv.Itoa(pid) + "\n"
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && strings.Contains(string(b), want) {
			return true
		}
	}
	return false
}

// ptracedBy says whether every thread of pid is ptraced by a thread of the
// process tracer. TracerPid names the tracing thread, not its process.
func ptracedBy(pid, tracer int) bool {
	_, tracers := testprog.ProcStatus(pid)
	if len(tracers) == 0 {
		return false
	}
	for _, tid := range tracers {
		if tid == 0 {
			return false
		}
		st, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
		if err != nil || !strings.Contains(string(st), "\nTgid:\t"+strconv.Itoa(tracer)+"\n") {
			return false
		}
	}
	return true
}

func procStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

func nsOf(t *testing.T, pid int, ns string) string {
	t.Helper()
	l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func statusIn(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
