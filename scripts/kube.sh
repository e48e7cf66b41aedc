#!/usr/bin/env bash
# Prints the path of a directory holding what the cluster tests (e2e,
# TestCluster*/TestKubernetes*) need from outside Debian:
#   bin/   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet
#          and kubectl, built from the Go module proxy
#   crds/  the prometheus-operator CRDs (the module's
#          example/prometheus-operator-crd)
# It builds them into a cache outside the repository the first time (about
# 7 minutes on 2 cores from an empty module and build cache, 400 MB of
# binaries), keyed by the versions and the recipe, and then only prints
# the path. Idempotent; safe to run concurrently.
#
# Kubernetes stays on v1.34: from v1.35 the kubelet refuses to start on a
# cgroup v1 host (failCgroupV1), which the CI machine is.
set -euo pipefail

version="${KUBE_VERSION:-v1.34.4}"
# The newest version of the operator's root module (which holds the CRDs)
# that the module proxy serves; deploy/ validates against its API types at
# a later version, whose PodMonitor and PrometheusRule are the same v1.
promop="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/syscall_exporter"
# Bump when the build below changes what it makes.
recipe=1
key="$(printf '%s %s %s\n' "$version" "$promop" "$recipe" | sha256sum | cut -c1-12)"
out="$cache/kubernetes-$version-$key"

mkdir -p "$cache"
exec 9>"$cache/kubernetes.lock"
flock 9

bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
complete() {
  for b in "${bins[@]}"; do [ -x "$out/bin/$b" ] || return 1; done
  ls "$out"/crds/*.yaml >/dev/null 2>&1
}
if complete; then
  echo "$out"
  exit 0
fi

work="$(mktemp -d "$cache/kubernetes-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "building Kubernetes $version and fetching the prometheus-operator $promop CRDs into $out" >&2
(
  cd "$work"
  export GOFLAGS="${GOFLAGS:-} -mod=mod"
  # k8s.io/kubernetes replaces its staging modules with ./staging paths,
  # which a module that requires it cannot follow: point each at its
  # published version instead (v1.X.Y is published as v0.X.Y).
  gomod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  if [ -z "$gomod" ]; then
    go mod download "k8s.io/kubernetes@$version" >&2
    exit 1
  fi
  staging="v0.${version#v1.}"
  {
    echo "module kubebuild"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#replace \1 => \1 '"$staging"'#p' "$gomod"
  } >go.mod
  {
    echo "//go:build tools"
    echo
    echo "package kubebuild"
    echo
    echo "import ("
    for b in "${bins[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$b\""; done
    echo ")"
  } >tools.go
  go mod tidy >&2
  pkg=k8s.io/component-base/version
  cli=k8s.io/client-go/pkg/version
  minor="${version#v1.}"
  minor="${minor%%.*}"
  ldflags="-s -w"
  for p in "$pkg" "$cli"; do
    ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  mkdir -p "$work/out/bin" "$work/out/crds"
  targets=()
  for b in "${bins[@]}"; do targets+=("k8s.io/kubernetes/cmd/$b"); done
  CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$work/out/bin/" "${targets[@]}" >&2

  dir="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$promop" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [ -z "$dir" ]; then
    go mod download "github.com/prometheus-operator/prometheus-operator@$promop" >&2
    exit 1
  fi
  cp "$dir"/example/prometheus-operator-crd/*.yaml "$work/out/crds/"
  chmod -R u+w "$work/out/crds"
)
rm -rf "$out"
mv "$work/out" "$out"
# Older builds of other versions or recipes are of no further use.
for old in "$cache"/kubernetes-v*; do
  [ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out"
