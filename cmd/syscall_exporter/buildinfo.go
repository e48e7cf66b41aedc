package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// setVersionFromBuildInfo fills in the version -ldflags did not set: a
// plain `go build` knows its module version (a pseudo-version from the
// VCS stamp, or "(devel)"). prometheus/common takes the revision from
// the same build info already.
func setVersionFromBuildInfo() {
	if info, ok := debug.ReadBuildInfo(); ok && version.Version == "" {
		version.Version = info.Main.Version
	}
}

func init() { setVersionFromBuildInfo() }
