package backend

import "time"

// clockBase anchors every backend's timestamps. Go's monotonic reading is
// CLOCK_MONOTONIC on Linux, read through the vDSO: cheap enough for every
// stop.
var clockBase = time.Now()

// Now is the monotonic time in nanoseconds since the exporter started: the
// clock of Call.Entry and Call.Exit.
func Now() int64 { return int64(time.Since(clockBase)) }

// WallTime converts a time from Now to wall-clock time.
func WallTime(mono int64) time.Time { return clockBase.Add(time.Duration(mono)) }
