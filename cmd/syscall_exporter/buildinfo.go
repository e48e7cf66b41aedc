package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// setVersionFromBuildInfo fills in what -ldflags did not set: a plain
// `go build` or `go run` still knows its module version and VCS revision.
func setVersionFromBuildInfo() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if version.Version == "" && info.Main.Version != "" {
		version.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if version.Revision == "" {
				version.Revision = s.Value
			}
		case "vcs.modified":
			if s.Value == "true" && version.Revision != "" && version.Branch == "" {
				version.Revision += "-dirty"
			}
		}
	}
}

func init() { setVersionFromBuildInfo() }
