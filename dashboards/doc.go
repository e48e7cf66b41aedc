// Package dashboards holds syscall_exporter's Grafana dashboards, the JSON
// files users import, and helpers that read the PromQL out of them so tests
// can run every panel's query against a real Prometheus.
//
// The JSON is maintained by hand. go test ./dashboards lints it (one
// datasource variable, $__rate_interval, no hard-coded datasource UIDs, ...)
// and fails unless it is formatted canonically; -update rewrites it so:
//
//	go test ./dashboards -run TestCanonicalJSON -update
package dashboards
