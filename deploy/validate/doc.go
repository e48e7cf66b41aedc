// Package validate holds the tests that render the kustomizations in
// deploy/kubernetes and decode their output strictly into the Kubernetes and
// prometheus-operator API types, the way an API server with strict field
// validation would.
package validate
