#!/usr/bin/env bash
# Prints the path of a Jaeger all-in-one binary (Jaeger v2: OTLP on
# 127.0.0.1:4317/4318, query API on :16686, in-memory storage), building it
# from the Go module proxy into a cache outside the repository the first
# time (about 6 minutes, 120 MB). The e2e tests of OTLP spans read it from
# JAEGER_BIN. Idempotent; safe to run concurrently.
set -euo pipefail

version="${JAEGER_VERSION:-v1.76.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/syscall_exporter"
bin="$cache/jaeger"
stamp="$cache/jaeger.version"

mkdir -p "$cache"
exec 9>"$cache/jaeger.lock"
flock 9

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building Jaeger $version into $bin" >&2
(
  cd "$work"
  go mod init jaegerbuild >/dev/null 2>&1
  go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$version" >&2
  go build -o "$bin.tmp" github.com/jaegertracing/jaeger/cmd/jaeger >&2
)
mv "$bin.tmp" "$bin"
echo "$version" >"$stamp"
echo "$bin"
