package e2e

import (
	"archive/tar"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/syscall-exporter/syscall_exporter/internal/testprog"
)

// The cluster tests run images built here, without a container engine:
// the exporter's as the Dockerfile says to build it, and two static C
// programs. Each is written as a docker-archive tarball that containerd
// imports.

// imageRepo prefixes the names of the images the tests build; no registry
// serves it, so nothing can pull a different image under the same name.
const imageRepo = "localhost/syscall-exporter-e2e/"

// dockerfile is what the repository's Dockerfile says the image holds.
type dockerfile struct {
	GoImage    string   // the build stage's golang image tag: "1.26"
	BuildEnv   []string // environment of go build, GOOS and GOARCH resolved
	BuildArgs  []string // go build's arguments, without -o OUT
	Binary     string   // where the build stage writes the binary
	CopyTo     string   // where the final stage puts it
	User       string
	Ports      []string // EXPOSE, as the image config spells them: "8750/tcp"
	Entrypoint []string
}

// parseDockerfile reads the Dockerfile's build and final stages. It knows
// the few instructions the Dockerfile uses and fails on any other in the
// final stage, so that the image built from it cannot silently drift from
// what `docker build` makes.
func parseDockerfile(path string) (dockerfile, error) {
	var d dockerfile
	b, err := os.ReadFile(path)
	if err != nil {
		return d, err
	}
	var lines []string
	var cont strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(l)
		if cont.Len() == 0 && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if s, ok := strings.CutSuffix(t, "\\"); ok {
			cont.WriteString(s + " ")
			continue
		}
		cont.WriteString(t)
		lines = append(lines, cont.String())
		cont.Reset()
	}
	var stages [][]string
	stageName := map[string]int{}
	for _, l := range lines {
		instr := strings.ToUpper(strings.Fields(l)[0])
		if instr == "FROM" {
			f := strings.Fields(l)
			if len(f) >= 4 && strings.EqualFold(f[len(f)-2], "AS") {
				stageName[f[len(f)-1]] = len(stages)
			}
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			continue // the syntax directive is a comment; ARG before FROM is not used
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], l)
	}
	if len(stages) != 2 {
		return d, fmt.Errorf("%s: %d stages, want a build stage and a final stage", path, len(stages))
	}
	for _, l := range stages[0] {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "FROM":
			for _, w := range f[1:] {
				if img, ok := strings.CutPrefix(w, "golang:"); ok {
					d.GoImage = img
				}
			}
		case "RUN":
			words, err := shellWords(strings.TrimSpace(l[len(f[0]):]))
			if err != nil {
				return d, fmt.Errorf("%s: %q: %v", path, l, err)
			}
			i := 0
			var env []string
			for ; i < len(words) && strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "-"); i++ {
				env = append(env, words[i])
			}
			if len(words) < i+2 || words[i] != "go" || words[i+1] != "build" {
				continue // go mod download
			}
			for _, e := range env {
				switch e {
				case "GOOS=$TARGETOS":
					e = "GOOS=" + runtime.GOOS
				case "GOARCH=$TARGETARCH":
					e = "GOARCH=" + runtime.GOARCH
				}
				if strings.Contains(e, "$") {
					return d, fmt.Errorf("%s: go build's environment %q: unknown variable", path, e)
				}
				d.BuildEnv = append(d.BuildEnv, e)
			}
			args := words[i+2:]
			for j := 0; j < len(args); j++ {
				if args[j] == "-o" && j+1 < len(args) {
					d.Binary = args[j+1]
					j++
					continue
				}
				d.BuildArgs = append(d.BuildArgs, args[j])
			}
		}
	}
	for _, l := range stages[1] {
		f := strings.Fields(l)
		rest := strings.TrimSpace(l[len(f[0]):])
		switch strings.ToUpper(f[0]) {
		case "FROM":
		case "COPY":
			if len(f) != 4 || !strings.HasPrefix(f[1], "--from=") {
				return d, fmt.Errorf("%s: %q: want COPY --from=STAGE SRC DST", path, l)
			}
			if _, ok := stageName[strings.TrimPrefix(f[1], "--from=")]; !ok || f[2] != d.Binary {
				return d, fmt.Errorf("%s: %q copies something else than the build stage's %s", path, l, d.Binary)
			}
			d.CopyTo = f[3]
		case "USER":
			d.User = rest
		case "EXPOSE":
			for _, p := range strings.Fields(rest) {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				d.Ports = append(d.Ports, p)
			}
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &d.Entrypoint); err != nil {
				return d, fmt.Errorf("%s: ENTRYPOINT %s: want the exec (JSON) form: %v", path, rest, err)
			}
		default:
			return d, fmt.Errorf("%s: the final stage's %s is not known to the tests' image build (e2e/images_test.go): teach it", path, f[0])
		}
	}
	if d.Binary == "" || d.CopyTo == "" || len(d.Entrypoint) == 0 {
		return d, fmt.Errorf("%s: no go build -o, COPY or ENTRYPOINT found", path)
	}
	return d, nil
}

// shellWords splits a command line as sh would, for the quoting a
// Dockerfile's RUN uses: words, double and single quotes.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case r == ';' || r == '&' || r == '|':
			return nil, fmt.Errorf("more than one command")
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// builtImage is an image written as a docker-archive tarball.
type builtImage struct {
	Ref  string // name:tag, the tag from the image's digest
	Path string // the tarball
	img  v1.Image
}

// staticImage makes a one-layer image of files (path in the image →
// content, each 0755 and owned by root) with cfg, and writes it to dir.
func staticImage(dir, repo string, files map[string][]byte, cfg v1.Config) (builtImage, error) {
	var layerTar bytes.Buffer
	tw := tar.NewWriter(&layerTar)
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		hdr := &tar.Header{Name: strings.TrimPrefix(p, "/"), Mode: 0o755, Size: int64(len(files[p])),
			Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return builtImage{}, err
		}
		if _, err := tw.Write(files[p]); err != nil {
			return builtImage{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return builtImage{}, err
	}
	data := layerTar.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return builtImage{}, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return builtImage{}, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return builtImage{}, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	cf.Config = cfg
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return builtImage{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return builtImage{}, err
	}
	tag, err := name.NewTag(imageRepo + repo + ":" + digest.Hex[:16])
	if err != nil {
		return builtImage{}, err
	}
	path := filepath.Join(dir, repo+".tar")
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		return builtImage{}, err
	}
	return builtImage{Ref: tag.String(), Path: path, img: img}, nil
}

// exporterImage builds the exporter as the Dockerfile's build stage does
// and puts it in an image with the final stage's configuration. The
// distroless base image's own files (CA certificates, tzdata, /etc/passwd)
// are not there: the exporter reads none of them unless it sends spans
// over HTTPS, which the cluster tests do not.
func exporterImage(dir string) (builtImage, dockerfile, error) {
	d, err := parseDockerfile("../Dockerfile")
	if err != nil {
		return builtImage{}, d, err
	}
	bin := filepath.Join(dir, "syscall_exporter.bin")
	build := exec.Command("go", append([]string{"build", "-o", bin}, d.BuildArgs...)...)
	build.Dir = ".."
	build.Env = append(os.Environ(), d.BuildEnv...)
	if out, err := build.CombinedOutput(); err != nil {
		return builtImage{}, d, fmt.Errorf("%v: %v\n%s", build.Args, err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return builtImage{}, d, err
	}
	cfg := v1.Config{User: d.User, Entrypoint: d.Entrypoint, ExposedPorts: map[string]struct{}{}}
	for _, p := range d.Ports {
		cfg.ExposedPorts[p] = struct{}{}
	}
	img, err := staticImage(dir, "syscall_exporter", map[string][]byte{d.CopyTo: b}, cfg)
	return img, d, err
}

// programImage puts a static test program at /NAME, its entrypoint.
func programImage(dir, prog, name string) (builtImage, error) {
	b, err := os.ReadFile(prog)
	if err != nil {
		return builtImage{}, err
	}
	return staticImage(dir, name, map[string][]byte{"/" + name: b}, v1.Config{Entrypoint: []string{"/" + name}})
}

// The exporter image that the cluster runs holds what the Dockerfile puts
// in its final stage, built the way its build stage builds it: read back
// from the tarball containerd imports, not from the builder's own notes.
func TestKubernetesImageMatchesDockerfile(t *testing.T) {
	testprog.RequireTool(t, "go", "golang")
	built, d, err := exporterImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// What the Dockerfile says, as docker build would read it.
	if want := []string{"CGO_ENABLED=0", "GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH}; !reflect.DeepEqual(d.BuildEnv, want) {
		t.Errorf("Dockerfile's go build environment %q, want %q", d.BuildEnv, want)
	}

	img, err := tarball.ImageFromPath(built.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != d.User || !reflect.DeepEqual(cf.Config.Entrypoint, d.Entrypoint) || len(cf.Config.Cmd) != 0 {
		t.Errorf("image: user %q entrypoint %q cmd %q; Dockerfile: USER %q ENTRYPOINT %q, no CMD",
			cf.Config.User, cf.Config.Entrypoint, cf.Config.Cmd, d.User, d.Entrypoint)
	}
	var ports []string
	for p := range cf.Config.ExposedPorts {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	wantPorts := slices.Sorted(slices.Values(d.Ports))
	if !slices.Equal(ports, wantPorts) || len(ports) == 0 {
		t.Errorf("image exposes %q; Dockerfile EXPOSE %q", ports, d.Ports)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("image platform %s/%s", cf.OS, cf.Architecture)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want the one the final stage's COPY makes", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var files []string
	var binary []byte
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fmt.Sprintf("/%s %o %d:%d", hdr.Name, hdr.Mode, hdr.Uid, hdr.Gid))
		if "/"+hdr.Name == d.CopyTo {
			binary, _ = io.ReadAll(tr)
		}
	}
	if want := []string{d.CopyTo + " 755 0:0"}; !slices.Equal(files, want) {
		t.Errorf("layer holds %q, want %q (COPY --from=build keeps go build's mode)", files, want)
	}

	// The binary in the image was built as the build stage's RUN says.
	info, err := buildinfo.Read(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("build info of %s in the image: %v", d.CopyTo, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{"CGO_ENABLED": "0", "GOOS": runtime.GOOS, "GOARCH": runtime.GOARCH}
	for i, a := range d.BuildArgs {
		switch {
		case a == "-trimpath":
			want["-trimpath"] = "true"
		case strings.HasPrefix(a, "-ldflags="):
			// Go does not record -ldflags with -trimpath: read what -s
			// (no symbol table) and -w (no DWARF) leave out.
			for _, f := range strings.Fields(strings.TrimPrefix(a, "-ldflags=")) {
				if f != "-s" && f != "-w" {
					t.Errorf("Dockerfile's linker flag %q: teach this test what it puts in the binary", f)
				}
			}
			checkStripped(t, binary, strings.Fields(strings.TrimPrefix(a, "-ldflags=")))
		case strings.HasPrefix(a, "-"):
			t.Errorf("Dockerfile's go build flag %q: teach this test what it puts in the binary", a)
		case i == len(d.BuildArgs)-1:
			if info.Path != "github.com/syscall-exporter/syscall_exporter/"+strings.TrimPrefix(a, "./") {
				t.Errorf("image's binary is %s, Dockerfile builds %s", info.Path, a)
			}
		}
	}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("image's binary was built with %s=%q, Dockerfile says %q", k, settings[k], v)
		}
	}
	if goMinor := strings.Join(strings.SplitN(strings.TrimPrefix(info.GoVersion, "go"), ".", 3)[:2], "."); goMinor != d.GoImage {
		t.Errorf("image's binary built by %s, Dockerfile builds with golang:%s", info.GoVersion, d.GoImage)
	}
}

// checkStripped says whether the ELF binary lacks what -s and -w strip.
func checkStripped(t *testing.T, binary []byte, flags []string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatal(err)
	}
	var symtab, dwarf bool
	for _, s := range f.Sections {
		symtab = symtab || s.Name == ".symtab"
		dwarf = dwarf || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_")
	}
	if symtab != !slices.Contains(flags, "-s") || dwarf != !(slices.Contains(flags, "-w") || slices.Contains(flags, "-s")) {
		t.Errorf("image's binary: symbol table %v, DWARF %v; Dockerfile links with %q", symtab, dwarf, flags)
	}
}
