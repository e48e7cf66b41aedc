// Package rules holds syscall_exporter's Prometheus recording and alerting
// rules. syscall_exporter.rules.yml is edited by hand; the other files are
// generated from it, and a test fails when they are stale. Regenerate them
// from the deploy module with
//
//	cd deploy && go test ./rules -run TestGenerated -update
package rules

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

const (
	// sourceFile is the plain Prometheus rule file.
	sourceFile = "syscall_exporter.rules.yml"
	// e2eFile is sourceFile with every duration divided by e2eScale, for the
	// end-to-end test's Prometheus that scrapes and evaluates every second.
	e2eFile = "syscall_exporter.e2e.rules.yml"
	// prometheusRuleFile wraps sourceFile's groups for the Prometheus Operator.
	prometheusRuleFile = "prometheusrule.yaml"
	// e2eScale turns an hour into a minute and 5m into 5s.
	e2eScale = 60
)

const generatedHeader = "# Code generated from " + sourceFile + " by `go test ./rules -run TestGenerated -update` in deploy/. DO NOT EDIT.\n"

// Durations live in range selectors, after offset, and in for: and interval:.
// A subquery's [range:step] is refused rather than half scaled.
var durationRE = regexp.MustCompile(`(?m)(\[|\boffset\s+|^\s*(?:for|interval):\s*)((?:\d+(?:ms|[smhdwy]))+)(:?)`)

var unitRE = regexp.MustCompile(`(\d+)(ms|[smhdwy])`)

var units = map[string]time.Duration{
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  24 * time.Hour,
	"w":  7 * 24 * time.Hour,
	"y":  365 * 24 * time.Hour,
}

func e2eRules(src []byte) ([]byte, error) {
	body, err := ruleBody(src)
	if err != nil {
		return nil, err
	}
	var errs []error
	scaled := durationRE.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := durationRE.FindSubmatch(m)
		if len(sub[3]) > 0 {
			errs = append(errs, fmt.Errorf("subquery [%s:...] is not supported", sub[2]))
			return m
		}
		d, err := scaleDuration(string(sub[2]), e2eScale)
		if err != nil {
			errs = append(errs, err)
			return m
		}
		return append(append([]byte(nil), sub[1]...), d...)
	})
	if len(errs) > 0 {
		return nil, errs[0]
	}
	var out bytes.Buffer
	out.WriteString(generatedHeader)
	fmt.Fprintf(&out, `#
# For the end-to-end test only: every duration is divided by %d (1h -> 1m,
# 5m -> 5s, for: 5m -> for: 5s), for a Prometheus that scrapes and evaluates
# rules every second. Record names keep their production windows, so the
# dashboards query them unchanged.
`, e2eScale)
	out.Write(scaled)
	return out.Bytes(), nil
}

func scaleDuration(s string, by time.Duration) (string, error) {
	var d time.Duration
	for _, m := range unitRE.FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return "", fmt.Errorf("duration %s: %v", s, err)
		}
		d += time.Duration(n) * units[m[2]]
	}
	d /= by
	if d < time.Second || d%time.Second != 0 {
		return "", fmt.Errorf("duration %s divided by %d is not a whole number of seconds", s, by)
	}
	for _, u := range []string{"h", "m", "s"} {
		if d%units[u] == 0 {
			return strconv.FormatInt(int64(d/units[u]), 10) + u, nil
		}
	}
	panic("unreachable: d is whole seconds")
}

func prometheusRule(src []byte) ([]byte, error) {
	body, err := ruleBody(src)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(generatedHeader)
	out.WriteString(`#
# The Prometheus Operator loads a PrometheusRule only if its labels match the
# Prometheus' ruleSelector: add the label yours selects on (for instance
# kube-prometheus-stack's release: <release name>).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: syscall-exporter
  labels:
    app.kubernetes.io/name: syscall-exporter
    app.kubernetes.io/component: rules
spec:
`)
	// Indenting the whole document keeps it valid YAML, block scalars and
	// comments included.
	for _, line := range bytes.SplitAfter(body, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out.WriteString("  ")
		}
		out.Write(line)
	}
	return out.Bytes(), nil
}

// ruleBody returns src from its first line that is not a comment, after
// checking that groups is its only top-level key, the one both generated
// files can carry over as is.
func ruleBody(src []byte) ([]byte, error) {
	start := -1
	off := 0
	for _, line := range bytes.SplitAfter(src, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		switch {
		case len(trimmed) == 0 || trimmed[0] == '#':
		case line[0] != ' ' && string(trimmed) != "groups:":
			return nil, fmt.Errorf("%s: top-level %q: only groups: can be carried into the generated files", sourceFile, trimmed)
		case start < 0:
			start = off
		}
		off += len(line)
	}
	if start < 0 {
		return nil, fmt.Errorf("%s: no groups", sourceFile)
	}
	return src[start:], nil
}
