package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// A real single-node Kubernetes cluster for the tests named TestCluster*:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and a
// kubelet running pods with containerd and runc. It starts once per test
// binary, on the first test that asks for it, and TestMain tears it down.
//
// Everything lives under one temporary root, and in a network namespace
// of its own: the daemons listen on their usual ports without meeting
// another run's, and the node's address (which the kubelet probes
// host-network pods on, and which may not be a loopback one) is on a veth
// pair inside it, so no test traffic leaves that namespace. The root's
// files record what was started, so that a run that died before its
// teardown is torn down by the next one.

const (
	nodeName  = "e2e-node"
	nodeIP    = "198.18.0.1" // RFC 2544's benchmarking range, only ever inside the cluster's network namespace
	cniBinDir = "/usr/lib/cni"
	rootGlob  = "syscall_exporter-k8s-*"
	// containerd 1.6 puts every shim's socket here, whatever its root.
	shimSocketDir = "/run/containerd/s"
)

// clusterTests are the tests that use the cluster. The cluster is torn
// down after the last of them that this run's -test.run selects, so that
// the tests after them run on a quiet machine (an idle cluster costs some
// 10% of a core); TestMain tears it down in any case.
var clusterTests = []string{"TestClusterSidecar", "TestClusterManifestsAdmitted", "TestClusterPodSecurityBaseline"}

var (
	clusterMu    sync.Mutex
	theCluster   *cluster
	clusterErr   error
	clusterUsers int // runs of cluster tests still to come
)

// countClusterTests counts the runs of clusterTests that the -test.run,
// -test.skip and -test.count flags ask for. Call it after flag.Parse.
func countClusterTests() {
	top := func(flagName string) (*regexp.Regexp, bool) {
		f := flag.Lookup(flagName)
		if f == nil || f.Value.String() == "" {
			return nil, false
		}
		v := f.Value.String()
		// The pattern's first level: up to a slash outside brackets.
		depth, cut := 0, len(v)
		for i, r := range v {
			switch r {
			case '[', '(':
				depth++
			case ']', ')':
				depth--
			case '/':
				if depth == 0 && cut == len(v) {
					cut = i
				}
			}
		}
		re, err := regexp.Compile(v[:cut])
		return re, err == nil && (flagName != "test.skip" || cut == len(v))
	}
	count := 1
	if f := flag.Lookup("test.count"); f != nil {
		count, _ = strconv.Atoi(f.Value.String())
	}
	run, hasRun := top("test.run")
	skip, hasSkip := top("test.skip")
	for _, name := range clusterTests {
		if (!hasRun || run.MatchString(name)) && !(hasSkip && skip.MatchString(name)) {
			clusterUsers += count
		}
	}
}

// requireCluster returns the cluster, starting it if it is not running.
// Call it from a top-level test of clusterTests. Without root or the tools
// it needs the test skips, or fails when CI is set.
func requireCluster(t *testing.T) *cluster {
	t.Helper()
	if !slices.Contains(clusterTests, t.Name()) {
		t.Fatalf("%s uses the cluster: add it to clusterTests (from a subtest, call requireCluster in its parent)", t.Name())
	}
	t.Cleanup(func() {
		clusterMu.Lock()
		defer clusterMu.Unlock()
		if clusterUsers--; clusterUsers <= 0 {
			stopCluster()
		}
	})
	testprog.RequireTracing(t)
	for _, tool := range [][2]string{
		{"etcd", "etcd-server"}, {"containerd", "containerd"}, {"containerd-shim-runc-v2", "containerd"},
		{"ctr", "containerd"}, {"runc", "runc"}, {"nsenter", "util-linux"}, {"flock", "util-linux"},
		{"ip", "iproute2"}, {"go", "golang"},
	} {
		testprog.RequireTool(t, tool[0], tool[1])
	}
	testprog.RequireFile(t, filepath.Join(cniBinDir, "loopback"), "containernetworking-plugins")
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if theCluster == nil && clusterErr == nil {
		start := time.Now()
		theCluster, clusterErr = startCluster()
		if clusterErr == nil {
			clusterLogf("node Ready %.1fs after the start", time.Since(start).Seconds())
		}
	}
	if clusterErr != nil {
		t.Fatalf("starting the cluster: %v", clusterErr)
	}
	return theCluster
}

// stopCluster tears down the cluster, if one is running. Hold clusterMu,
// or call it when no test runs.
func stopCluster() {
	if theCluster == nil {
		return
	}
	start := time.Now()
	for _, err := range teardown(theCluster.root) {
		clusterLogf("teardown: %v", err)
	}
	theCluster.reap()
	theCluster = nil
	clusterLogf("torn down in %.1fs", time.Since(start).Seconds())
}

func clusterLogf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cluster: "+format+"\n", args...)
}

type cluster struct {
	root     string // the temporary root: everything of this cluster is under it
	netns    string // path of its network namespace
	bin      string // the Kubernetes binaries
	crds     string // the prometheus-operator CRDs
	images   map[string]builtImage
	kubecfg  string
	procs    []*daemon
	spawn    chan func()
	http     *http.Client // dials in the cluster's network namespace
	ctrdSock string
}

type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

func (c *cluster) path(p ...string) string { return filepath.Join(append([]string{c.root}, p...)...) }

func startCluster() (c *cluster, err error) {
	for _, err := range reapStale() {
		clusterLogf("tearing down a stale run: %v", err)
	}
	kube := os.Getenv("KUBE_DIR")
	if kube == "" {
		// What .ci/run does first; a cold build takes minutes.
		clusterLogf("KUBE_DIR not set: running scripts/kube.sh")
		cmd := exec.Command("bash", "../scripts/kube.sh")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("scripts/kube.sh: %v", err)
		}
		kube = strings.TrimSpace(string(out))
	}
	root, err := os.MkdirTemp("", rootGlob)
	if err != nil {
		return nil, err
	}
	c = &cluster{root: root, bin: filepath.Join(kube, "bin"), crds: filepath.Join(kube, "crds"), spawn: make(chan func())}
	c.ctrdSock = c.path("containerd", "containerd.sock")
	c.http = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: c.dial, DisableKeepAlives: true}}
	go c.spawner()
	defer func() {
		if err != nil {
			clusterLogf("start failed; logs in %s/logs were:", root)
			c.dumpLogs()
			for _, err := range teardown(root) {
				clusterLogf("teardown: %v", err)
			}
			c.reap()
		}
	}()
	for _, d := range []string{"logs", "pki", "containerd", "cni/net.d", "kubelet", "pod-logs", "images"} {
		if err := os.MkdirAll(c.path(d), 0o755); err != nil {
			return c, err
		}
	}
	if err := writeRecord(c.path("owner"), os.Getpid()); err != nil {
		return c, err
	}
	if err := recordHostDirs(c.path("host-dirs")); err != nil {
		return c, err
	}
	id := strings.TrimPrefix(filepath.Base(root), strings.TrimSuffix(rootGlob, "*"))
	if err := c.setupNetns("sxe-k8s-" + id); err != nil {
		return c, err
	}
	token, err := c.writePKI()
	if err != nil {
		return c, err
	}

	// The images are built while the control plane starts.
	imagesDone := make(chan error, 1)
	go func() { imagesDone <- c.buildImages() }()

	if err := c.startDaemon("etcd", "etcd", []string{"ETCD_UNSUPPORTED_ARCH=" + runtime.GOARCH},
		"--name=e2e", "--data-dir="+c.path("etcd"),
		"--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
		"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
		"--initial-cluster=e2e=http://127.0.0.1:2380", "--logger=zap", "--log-level=warn"); err != nil {
		return c, err
	}
	pki := c.path("pki")
	if err := c.startDaemon("kube-apiserver", filepath.Join(c.bin, "kube-apiserver"), nil,
		"--etcd-servers=http://127.0.0.1:2379",
		"--bind-address=127.0.0.1", "--secure-port=6443", "--advertise-address="+nodeIP,
		"--cert-dir="+c.path("apiserver"),
		"--tls-cert-file="+filepath.Join(pki, "apiserver.crt"), "--tls-private-key-file="+filepath.Join(pki, "apiserver.key"),
		"--client-ca-file="+filepath.Join(pki, "ca.crt"),
		"--token-auth-file="+filepath.Join(pki, "tokens.csv"), "--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+filepath.Join(pki, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/24", "--allow-privileged=true",
		"--kubelet-preferred-address-types=InternalIP", "--endpoint-reconciler-type=none",
		"--profiling=false", "--v=1"); err != nil {
		return c, err
	}
	if err := c.writeKubeconfig(token); err != nil {
		return c, err
	}
	if err := c.waitFor(60*time.Second, "the API server's /readyz", func() error {
		_, err := c.kubectl(nil, "get", "--raw=/readyz")
		return err
	}); err != nil {
		return c, err
	}
	kcfg := "--kubeconfig=" + c.kubecfg
	if err := c.startDaemon("kube-controller-manager", filepath.Join(c.bin, "kube-controller-manager"), nil,
		kcfg, "--leader-elect=false", "--secure-port=0",
		"--controllers=deployment-controller,replicaset-controller,serviceaccount-controller,"+
			"root-ca-certificate-publisher-controller,namespace-controller,garbage-collector-controller,"+
			"node-lifecycle-controller",
		"--root-ca-file="+filepath.Join(pki, "ca.crt"), "--use-service-account-credentials=false",
		"--node-monitor-period=1s", "--v=1"); err != nil {
		return c, err
	}
	if err := c.startDaemon("kube-scheduler", filepath.Join(c.bin, "kube-scheduler"), nil,
		kcfg, "--leader-elect=false", "--secure-port=0", "--v=1"); err != nil {
		return c, err
	}
	// The CRDs the PodMonitor and the PrometheusRule need: the operator's
	// own, too large for a client-side apply's annotation.
	if _, err := c.kubectl(nil, "apply", "--server-side", "-f", c.crds); err != nil {
		return c, fmt.Errorf("prometheus-operator CRDs: %v", err)
	}

	// containerd's configuration names the pause image.
	if err := <-imagesDone; err != nil {
		return c, fmt.Errorf("images: %v", err)
	}
	if err := c.startContainerd(); err != nil {
		return c, err
	}
	for _, img := range c.images {
		if _, err := c.ctr("images", "import", img.Path); err != nil {
			return c, fmt.Errorf("importing %s: %v", img.Ref, err)
		}
	}
	if err := c.startKubelet(); err != nil {
		return c, err
	}
	if _, err := c.kubectl(nil, "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"); err != nil {
		return c, fmt.Errorf("prometheus-operator CRDs: %v", err)
	}
	err = c.waitFor(90*time.Second, "node "+nodeName+" Ready and untainted", func() error {
		var n struct {
			Spec struct {
				Taints []struct{ Key, Effect string }
			}
			Status struct {
				Conditions []struct{ Type, Status, Message string }
			}
		}
		if err := c.getJSON(&n, "get", "node", nodeName); err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == "Ready" && cond.Status != "True" {
				return fmt.Errorf("Ready %s: %s", cond.Status, cond.Message)
			}
		}
		if len(n.Spec.Taints) > 0 {
			return fmt.Errorf("taints %v", n.Spec.Taints)
		}
		return nil
	})
	return c, err
}

// spawner starts every daemon from one goroutine locked to its thread for
// good: a daemon's parent-death signal (SIGKILL, for when the test binary
// dies without its teardown) follows the thread that forked it, and this
// one never ends, nor runs anything else.
func (c *cluster) spawner() {
	runtime.LockOSThread()
	for f := range c.spawn {
		f()
	}
}

// startDaemon runs bin in the cluster's network namespace, logging to
// logs/NAME.log, and records its PID.
func (c *cluster) startDaemon(name, bin string, env []string, args ...string) error {
	logf, err := os.Create(c.path("logs", name+".log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	// nsenter enters only the network namespace, so it execs bin in place
	// without forking: the PID is the daemon's.
	cmd := exec.Command("nsenter", append([]string{"--net=" + c.netns, "--", bin}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	started := make(chan error)
	c.spawn <- func() { started <- cmd.Start() }
	if err := <-started; err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(d.done) }()
	c.procs = append(c.procs, d)
	f, err := os.OpenFile(c.path("pids"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := startTime(cmd.Process.Pid)
	_, err = fmt.Fprintf(f, "%s %d %d\n", name, cmd.Process.Pid, st)
	return err
}

// reap waits for the daemons this process started, which teardown killed.
func (c *cluster) reap() {
	for _, d := range c.procs {
		select {
		case <-d.done:
		case <-time.After(5 * time.Second):
			clusterLogf("%s (PID %d) not reaped", d.name, d.cmd.Process.Pid)
		}
	}
}

func (c *cluster) dumpLogs() {
	for _, d := range c.procs {
		b, _ := os.ReadFile(c.path("logs", d.name+".log"))
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		clusterLogf("--- %s:\n%s", d.name, strings.Join(lines, "\n"))
	}
}

func (c *cluster) waitFor(timeout time.Duration, what string, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v waiting for %s: %v", timeout, what, err)
		}
		for _, d := range c.procs {
			select {
			case <-d.done:
				return fmt.Errorf("waiting for %s: %s exited (%v)", what, d.name, d.cmd.ProcessState)
			default:
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setupNetns makes the network namespace: loopback, and the node's address
// on one end of a veth pair whose other end is in the same namespace.
func (c *cluster) setupNetns(name string) error {
	if err := os.WriteFile(c.path("netns"), []byte(name+"\n"), 0o644); err != nil {
		return err
	}
	c.netns = "/run/netns/" + name
	for _, args := range [][]string{
		{"netns", "add", name},
		{"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "link", "add", "node0", "type", "veth", "peer", "name", "node1"},
		{"-n", name, "addr", "add", nodeIP + "/24", "dev", "node0"},
		{"-n", name, "link", "set", "node0", "up"},
		{"-n", name, "link", "set", "node1", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// dial connects from inside the cluster's network namespace: the socket is
// made on a thread that has entered it.
func (c *cluster) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer self.Close()
		target, err := os.Open(c.netns)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		err = unix.Setns(int(target.Fd()), unix.CLONE_NEWNET)
		target.Close()
		if err != nil {
			ch <- result{nil, err}
			return
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		ch <- result{conn, err}
		// Back home the thread may serve other goroutines; if not, it
		// ends with this one.
		if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
	}()
	r := <-ch
	return r.conn, r.err
}

// writePKI makes a CA, the API server's certificate, the service account
// key and a token of system:masters, which every client of the cluster
// uses. It returns the token.
func (c *cluster) writePKI() (string, error) {
	dir := c.path("pki")
	now := time.Now()
	newKey := func(name string) (*ecdsa.PrivateKey, error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, err
		}
		return k, os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
	}
	writeCert := func(name string, der []byte) error {
		return os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	}
	caKey, err := newKey("ca.key")
	if err != nil {
		return "", err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "syscall_exporter e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := writeCert("ca.crt", caDER); err != nil {
		return "", err
	}
	srvKey, err := newKey("apiserver.key")
	if err != nil {
		return "", err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(48 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1"), net.ParseIP(nodeIP)},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	if err := writeCert("apiserver.crt", srvDER); err != nil {
		return "", err
	}
	saKey, err := newKey("sa.key")
	if err != nil {
		return "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		return "", err
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	token := hex.EncodeToString(tok)
	return token, os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(token+",e2e-admin,e2e-admin,system:masters\n"), 0o600)
}

func (c *cluster) writeKubeconfig(token string) error {
	c.kubecfg = c.path("kubeconfig")
	return os.WriteFile(c.kubecfg, []byte(`apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority: `+c.path("pki", "ca.crt")+`
users:
  - name: e2e-admin
    user:
      token: `+token+`
contexts:
  - name: e2e
    context:
      cluster: e2e
      user: e2e-admin
current-context: e2e
`), 0o600)
}

func (c *cluster) buildImages() error {
	dir := c.path("images")
	exp, _, err := exporterImage(dir)
	if err != nil {
		return err
	}
	c.images = map[string]builtImage{"exporter": exp}
	for _, p := range []struct{ key, prog string }{{"pause", "pause"}, {"workload", "workload"}} {
		bin, err := buildStaticProgram(p.prog)
		if err != nil {
			return err
		}
		img, err := programImage(dir, bin, p.prog)
		if err != nil {
			return err
		}
		c.images[p.key] = img
	}
	return nil
}

// buildStaticProgram runs testprog.BuildStatic outside a test.
func buildStaticProgram(name string) (path string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building %s: %v", name, r)
		}
	}()
	return testprog.BuildStatic(panicTB{}, name), nil
}

// panicTB turns a testprog build failure into a panic, for code that runs
// outside any one test.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                      {}
func (panicTB) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
func (panicTB) Fatal(args ...any)            { panic(fmt.Sprint(args...)) }

func (c *cluster) startContainerd() error {
	dir := c.path("containerd")
	conf := fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %[3]q

[ttrpc]
  address = %[4]q

[plugins."io.containerd.internal.v1.opt"]
  path = %[5]q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[6]q
  # Root here lacks CAP_SYS_RESOURCE: runc cannot lower a sandbox's
  # oom_score_adj to -998, and every sandbox would fail.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = %[7]q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %[8]q
    conf_dir = %[9]q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.ctrdSock, c.ctrdSock+".ttrpc",
		filepath.Join(dir, "opt"), c.images["pause"].Ref, filepath.Join(dir, "runc"), cniBinDir, c.path("cni", "net.d"))
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644); err != nil {
		return err
	}
	// Host-network pods only: loopback is all the network a node needs to
	// turn Ready, and it gives other pods no address.
	if err := os.WriteFile(c.path("cni", "net.d", "10-loopback.conflist"),
		[]byte(`{"cniVersion": "1.0.0", "name": "loopback", "plugins": [{"type": "loopback"}]}`), 0o644); err != nil {
		return err
	}
	if err := c.startDaemon("containerd", "containerd", nil, "--config", filepath.Join(dir, "config.toml")); err != nil {
		return err
	}
	return c.waitFor(30*time.Second, "containerd", func() error {
		_, err := c.ctr("version")
		return err
	})
}

func (c *cluster) ctr(args ...string) (string, error) {
	cmd := exec.Command("ctr", append([]string{"--address", c.ctrdSock, "--namespace", "k8s.io"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ctr %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// cgroupHierarchies returns the mount points of the cgroup hierarchies:
// those of v1, and the unified one of a hybrid host, where runc makes a
// cgroup for each container too.
func cgroupHierarchies() ([]string, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var mps []string
	for _, line := range strings.Split(string(b), "\n") {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS…] - FSTYPE SOURCE SUPEROPTS
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) >= 5 && len(g) >= 1 && (g[0] == "cgroup" || g[0] == "cgroup2") {
			mps = append(mps, f[4])
		}
	}
	return mps, nil
}

func (c *cluster) startKubelet() error {
	// The pods' cgroups go under a root of this run's own, in every
	// hierarchy, made here and removed by teardown with all below it.
	cg := "/" + filepath.Base(c.root)
	if err := os.WriteFile(c.path("cgroup"), []byte(cg+"\n"), 0o644); err != nil {
		return err
	}
	mps, err := cgroupHierarchies()
	if err != nil {
		return err
	}
	for _, mp := range mps {
		if err := os.Mkdir(mp+cg, 0o755); err != nil {
			return err
		}
		if filepath.Base(mp) == "cpuset" {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				b, err := os.ReadFile(filepath.Join(mp, f))
				if err == nil {
					err = os.WriteFile(filepath.Join(mp+cg, f), b, 0o644)
				}
				if err != nil {
					return err
				}
			}
		}
	}
	conf := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://%[1]s
# cgroup v1 and no systemd. (From v1.35 the kubelet refuses cgroup v1.)
cgroupDriver: cgroupfs
cgroupRoot: %[2]s
# Root here lacks CAP_SYS_RESOURCE, so the kubelet cannot lower its own.
oomScoreAdj: 0
failSwapOn: false
address: %[3]s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
podLogsDir: %[4]s
volumePluginDir: %[5]s
nodeStatusUpdateFrequency: 1s
syncFrequency: 10s
maxPods: 20
serializeImagePulls: false
# The images are imported, never pulled: nothing may collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%%
  imagefs.available: 1%%
  nodefs.inodesFree: 1%%
  imagefs.inodesFree: 1%%
`, c.ctrdSock, cg, nodeIP, c.path("pod-logs"), c.path("kubelet", "volume-plugins"))
	if err := os.WriteFile(c.path("kubelet.yaml"), []byte(conf), 0o644); err != nil {
		return err
	}
	return c.startDaemon("kubelet", filepath.Join(c.bin, "kubelet"), nil,
		"--config="+c.path("kubelet.yaml"), "--kubeconfig="+c.kubecfg,
		"--root-dir="+c.path("kubelet"), "--cert-dir="+c.path("kubelet", "pki"),
		"--hostname-override="+nodeName, "--node-ip="+nodeIP, "--v=1")
}

// kubectl runs kubectl against the cluster; stdin may be nil. Its error
// holds stderr.
func (c *cluster) kubectl(stdin []byte, args ...string) (string, error) {
	out, stderr, err := c.kubectlStderr(stdin, args...)
	if err != nil {
		return out, fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, stderr)
	}
	return out, nil
}

// kubectlStderr is kubectl that returns stderr apart, for its warnings.
func (c *cluster) kubectlStderr(stdin []byte, args ...string) (string, string, error) {
	cmd := exec.Command("nsenter", append([]string{"--net=" + c.netns, "--",
		filepath.Join(c.bin, "kubectl"), "--kubeconfig=" + c.kubecfg, "--cache-dir=" + c.path("kubectl-cache")}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	return out.String(), stderr.String(), err
}

// getJSON runs kubectl ARGS -o json and decodes its output into v.
func (c *cluster) getJSON(v any, args ...string) error {
	out, err := c.kubectl(nil, append(args, "-o", "json")...)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(out), v)
}

// taskPID returns the host PID of a container's first process, from the
// state containerd's runc shim keeps.
func (c *cluster) taskPID(containerID string) (int, error) {
	id, ok := strings.CutPrefix(containerID, "containerd://")
	if !ok {
		return 0, fmt.Errorf("container ID %q is not containerd's", containerID)
	}
	b, err := os.ReadFile(c.path("containerd", "state", "io.containerd.runtime.v2.task", "k8s.io", id, "init.pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// startTime is field 22 of /proc/PID/stat: with the PID, it names one
// process, not a later one that reuses the PID.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bad stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, errors.New("bad stat")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

func writeRecord(path string, pid int) error {
	st, err := startTime(pid)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(fmt.Sprintf("%d %d\n", pid, st)), 0o644)
}

// alive says whether PID still names the process that started at st.
func alive(pid int, st uint64) bool {
	now, err := startTime(pid)
	return err == nil && now == st
}

// reapStale tears down the roots of earlier runs whose test binary is gone.
func reapStale() []error {
	roots, _ := filepath.Glob(filepath.Join(os.TempDir(), rootGlob))
	var errs []error
	for _, root := range roots {
		var pid int
		var st uint64
		b, err := os.ReadFile(filepath.Join(root, "owner"))
		if err == nil {
			fmt.Sscan(string(b), &pid, &st)
			if alive(pid, st) {
				continue // another run, still going
			}
		}
		clusterLogf("tearing down %s, left by an earlier run", root)
		errs = append(errs, teardown(root)...)
	}
	return errs
}

// teardown stops what the cluster under root started, from the records in
// root, and removes every trace of it: processes, containerd's shims and
// their sockets, mounts, cgroups, the network namespace and root itself.
// It returns what it could not undo.
func teardown(root string) []error {
	var errs []error
	type rec struct {
		name string
		pid  int
		st   uint64
	}
	var recs []rec
	if b, err := os.ReadFile(filepath.Join(root, "pids")); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var r rec
			if n, _ := fmt.Sscan(line, &r.name, &r.pid, &r.st); n == 3 {
				recs = append(recs, r)
			}
		}
	}
	stop := func(name string) {
		for _, r := range recs {
			if r.name == name && alive(r.pid, r.st) {
				if err := stopProcess(r.pid, r.st, 10*time.Second); err != nil {
					errs = append(errs, fmt.Errorf("%s: %v", name, err))
				}
			}
		}
	}
	// The kubelet first, so it restarts nothing; then whatever still runs
	// in the pods' cgroups; then containerd and its shims.
	stop("kubelet")
	cgroupData, _ := os.ReadFile(filepath.Join(root, "cgroup"))
	cg := strings.TrimSpace(string(cgroupData))
	mps, _ := cgroupHierarchies()
	if cg != "" {
		if err := killCgroups(mps, cg); err != nil {
			errs = append(errs, err)
		}
	}
	stop("containerd")
	sock := filepath.Join(root, "containerd", "containerd.sock")
	for _, pid := range shimsOf(sock) {
		st, _ := startTime(pid)
		if err := stopProcess(pid, st, 5*time.Second); err != nil {
			errs = append(errs, fmt.Errorf("shim %d: %v", pid, err))
		}
	}
	tasks, _ := filepath.Glob(filepath.Join(root, "containerd", "state", "io.containerd.runtime.v2.task", "*", "*"))
	for _, task := range tasks {
		ns, id := filepath.Base(filepath.Dir(task)), filepath.Base(task)
		os.Remove(shimSocket(sock, ns, id))
	}
	for i := len(recs) - 1; i >= 0; i-- {
		stop(recs[i].name)
	}
	if err := unmountUnder(root); err != nil {
		errs = append(errs, err)
	}
	if cg != "" {
		for _, mp := range mps {
			if err := removeCgroupTree(mp + cg); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "netns")); err == nil {
		name := strings.TrimSpace(string(b))
		if _, err := os.Stat("/run/netns/" + name); err == nil {
			if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("ip netns delete %s: %v: %s", name, err, out))
			}
		}
	}
	if err := removeHostDirs(root); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(root); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// hostDirs are the paths outside the root that the cluster makes, since
// their place is fixed: the kubelet's device-plugin socket and container
// log links, containerd 1.6's shim sockets, ip netns's directory (a mount
// of itself). Deepest first.
var hostDirs = []string{
	"/var/lib/kubelet/device-plugins", "/var/lib/kubelet", "/var/log/containers",
	shimSocketDir, filepath.Dir(shimSocketDir), "/run/netns",
}

// recordHostDirs notes which host directories do not exist yet: the
// teardown of the last run removes those, once empty.
func recordHostDirs(path string) error {
	var missing []string
	for _, d := range hostDirs {
		if _, err := os.Lstat(d); os.IsNotExist(err) {
			missing = append(missing, d)
		}
	}
	return os.WriteFile(path, []byte(strings.Join(missing, "\n")+"\n"), 0o644)
}

func removeHostDirs(root string) error {
	// Another run still going shares these paths.
	others, _ := filepath.Glob(filepath.Join(os.TempDir(), rootGlob))
	for _, o := range others {
		var pid int
		var st uint64
		if b, err := os.ReadFile(filepath.Join(o, "owner")); o != root && err == nil {
			fmt.Sscan(string(b), &pid, &st)
			if alive(pid, st) {
				return nil
			}
		}
	}
	// The kubelet leaves its socket behind.
	os.Remove("/var/lib/kubelet/device-plugins/kubelet.sock")
	b, _ := os.ReadFile(filepath.Join(root, "host-dirs"))
	made := strings.Fields(string(b))
	var errs []error
	for _, d := range hostDirs {
		if !slices.Contains(made, d) {
			continue
		}
		if ents, err := os.ReadDir(d); err != nil || len(ents) > 0 {
			continue
		}
		if d == "/run/netns" {
			// Not lazily: with a namespace mounted below, it stays.
			for unix.Unmount(d, 0) == nil {
			}
		}
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stopProcess sends SIGTERM, and SIGKILL after grace; it returns once the
// process is gone.
func stopProcess(pid int, st uint64, grace time.Duration) error {
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for alive(pid, st) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid, st) {
		syscall.Kill(pid, syscall.SIGKILL)
		for i := 0; alive(pid, st) && i < 250; i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if alive(pid, st) {
		return fmt.Errorf("PID %d still alive", pid)
	}
	return nil
}

// killCgroups SIGKILLs every process in the cgroup trees below cg, which
// only this run's pods use, until none is left.
func killCgroups(mps []string, cg string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pids []int
		for _, mp := range mps {
			filepath.WalkDir(mp+cg, func(p string, e os.DirEntry, err error) error {
				if err != nil || !e.IsDir() {
					return nil
				}
				b, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
				for _, f := range strings.Fields(string(b)) {
					if pid, err := strconv.Atoi(f); err == nil && !slices.Contains(pids, pid) {
						pids = append(pids, pid)
					}
				}
				return nil
			})
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes left in cgroup %s: %v", cg, pids)
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shimsOf returns the PIDs of the containerd shims serving the containerd
// at sock: they say so on their command line.
func shimsOf(sock string) []int {
	var pids []int
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if !strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") {
			continue
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-address" && args[i+1] == sock {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// shimSocket is where containerd 1.6's shim for task ID in namespace ns
// listens (runtime/v2/shim.SocketAddress).
func shimSocket(sock, ns, id string) string {
	return filepath.Join(shimSocketDir, fmt.Sprintf("%x", sha256.Sum256([]byte(filepath.Join(sock, ns, id)))))
}

// unmountUnder detaches every mount at or below root, deepest first.
func unmountUnder(root string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	var mps []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if mp == root || strings.HasPrefix(mp, root+"/") {
			mps = append(mps, mp)
		}
	}
	slices.SortFunc(mps, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, mp := range mps {
		if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			errs = append(errs, fmt.Errorf("unmount %s: %v", mp, err))
		}
	}
	return errors.Join(errs...)
}

// unescapeMountinfo undoes the octal escapes of a mountinfo path.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeCgroupTree removes a cgroup and all below it, leaves first.
func removeCgroupTree(dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	var errs []error
	for i := len(dirs) - 1; i >= 0; i-- {
		var err error
		for try := 0; try < 50; try++ {
			// A cgroup whose last process just died may be busy briefly.
			if err = unix.Rmdir(dirs[i]); err == nil || err == unix.ENOENT || err != unix.EBUSY {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil && err != unix.ENOENT {
			errs = append(errs, fmt.Errorf("rmdir %s: %v", dirs[i], err))
		}
	}
	return errors.Join(errs...)
}
