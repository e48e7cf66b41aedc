package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// chromium runs headless Chromium once with a fresh profile and returns
// what it printed on stdout. Its helper processes share its process group,
// which is killed afterwards so none outlives the test.
func chromium(t *testing.T, args ...string) string {
	t.Helper()
	bin := testprog.RequireTool(t, "chromium", "chromium")
	profile, err := os.MkdirTemp("", "syscall_exporter-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile,
	}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// pageRowRe reads a row of the landing page's syscall table: calls,
// errors and name.
var pageRowRe = regexp.MustCompile(`<tr><td class="num">[\d.]+</td>.*?<td class="num">(\d+)</td><td class="num">(\d*)[^<]*(?:<span class="errnos">[^<]*</span>)?</td><td class="num">[^<]*</td><td class="mono">(\w+)</td></tr>`)

func TestLandingPageInChromium(t *testing.T) {
	testprog.RequireTracing(t)
	testprog.RequireTool(t, "chromium", "chromium")
	const threads, getppids, enoents = 4, 3000, 6
	w := startWorkload(t, "-w", "-l", "-t", strconv.Itoa(threads), "-g", strconv.Itoa(getppids),
		"-e", strconv.Itoa(enoents), "-s", "0", "-f", "-1")
	pid := w.cmd.Process.Pid
	e := startExporter(t, "--pid", strconv.Itoa(pid))
	eventually(t, 30*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

	// The workload is done and waits on stdin: the counts stand still, so
	// the page must agree with /metrics. Its top syscall by time there:
	m := scrape(t, e.Addr)
	seconds, calls := map[string]float64{}, map[string]float64{}
	for _, s := range m["syscall_duration_seconds"].Metric {
		for _, l := range s.Label {
			if l.GetName() == "syscall" {
				seconds[l.GetValue()] += s.Histogram.GetSampleSum()
			}
		}
	}
	top := ""
	for name, s := range seconds {
		if top == "" || s > seconds[top] {
			top = name
		}
		calls[name] = m.get("syscall_calls_total", "syscall", name)
	}
	t.Logf("top syscall by time on /metrics: %s, %v calls, %.6f s", top, calls[top], seconds[top])

	url := "http://" + e.Addr + "/"
	dom := chromium(t, "--dump-dom", url)
	rows := pageRowRe.FindAllStringSubmatch(dom, -1)
	if len(rows) < 5 {
		t.Fatalf("%d syscall rows in the page Chromium rendered:\n%s", len(rows), dom)
	}
	if rows[0][3] != top || rows[0][1] != strconv.Itoa(int(calls[top])) {
		t.Errorf("the table's top row is %s with %s calls; /metrics says %s with %v", rows[0][3], rows[0][1], top, calls[top])
	}
	for _, r := range rows {
		switch r[3] {
		case "getppid":
			if r[1] != strconv.Itoa(threads*getppids) || r[2] != "" {
				t.Errorf("getppid row: %s calls, errors %q; want %d and none", r[1], r[2], threads*getppids)
			}
		case "openat":
			// The main thread's last look for its tracer may add a good one.
			if r[2] != strconv.Itoa(enoents) {
				t.Errorf("openat row: %s errors, want %d", r[2], enoents)
			}
		}
	}
	// What is traced: the workload, attached, its main thread traced (the
	// others have exited).
	pidCell := `<td class="num mono" rowspan="1">` + strconv.Itoa(pid) + `</td><td rowspan="1">workload</td><td rowspan="1">attached</td>`
	threadCells := `<td class="num mono">` + strconv.Itoa(pid) + `</td><td>workload</td>`
	for _, s := range []string{"Traced now: 1 process, 1 thread", pidCell, threadCells, `<td class="traced">traced</td>`,
		`<meta http-equiv="refresh" content="5">`, `href="./metrics"`, `href="./healthz"`, `href="./readyz"`} {
		if !strings.Contains(dom, s) {
			t.Errorf("the page lacks %s", s)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}

	shot := filepath.Join(t.ArtifactDir(), "landing.png")
	chromium(t, "--screenshot="+shot, "--window-size=1280,900", "--hide-scrollbars", url)
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 10_000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: %d bytes, %v", shot, len(png), err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}

// A bcrypt hash (cost 4) of "landing-secret".
const landingSecretHash = "$2a$04$N9J.qhwZlKszsPtjuU6fT.J3kVAP6W2G81OBMSJmkTRh3MfKHoDFS"

// selfSignedCert writes a key and a certificate for 127.0.0.1 into dir.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "syscall_exporter test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// The page shows what is traced, so it is guarded like /metrics.
func TestLandingPageBehindTLSAndBasicAuth(t *testing.T) {
	testprog.RequireTracing(t)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	webConfig := filepath.Join(dir, "web.yml")
	os.WriteFile(webConfig, []byte("tls_server_config:\n  cert_file: "+certFile+"\n  key_file: "+keyFile+
		"\nbasic_auth_users:\n  admin: "+landingSecretHash+"\n"), 0o600)
	w := startWorkload(t, "-w", "-l", "-g", "100", "-f", "-1")
	e := startExporter(t, "--web.config.file", webConfig, "--pid", strconv.Itoa(w.cmd.Process.Pid))
	eventually(t, 30*time.Second, "workload done", func() bool { return strings.Contains(w.stdout.String(), "done") })

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	fetch := func(scheme, path, user, pass string) (int, string) {
		req, _ := http.NewRequest("GET", scheme+"://"+e.Addr+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return -1, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := fetch("https", "/", "", ""); code != 401 || strings.Contains(body, "getppid") {
		t.Errorf("/ without credentials: %d (want 401)", code)
	}
	if code, _ := fetch("https", "/", "admin", "wrong"); code != 401 {
		t.Errorf("/ with a wrong password: %d (want 401)", code)
	}
	if code, body := fetch("http", "/", "admin", "landing-secret"); code == 200 || strings.Contains(body, "getppid") {
		t.Errorf("/ over plain HTTP: %d; the page must be served over TLS only", code)
	}
	code, body := fetch("https", "/", "admin", "landing-secret")
	if code != 200 || !strings.Contains(body, `<td class="mono">getppid</td>`) || !strings.Contains(body, ">"+strconv.Itoa(w.cmd.Process.Pid)+"<") {
		t.Errorf("/ with credentials over TLS: %d\n%s", code, body)
	}
	if code, _ := fetch("https", "/metrics", "admin", "landing-secret"); code != 200 {
		t.Errorf("/metrics with credentials: %d", code)
	}
}
