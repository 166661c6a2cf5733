package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LocalZone returns the machine's time zone under its IANA name
// ("Europe/London"), so that provenance records which zone was assumed,
// not "Local". The name comes from $TZ, else from where /etc/localtime
// points (Linux, macOS); when neither names a zone the Go runtime can
// load, it is time.Local.
func LocalZone() *time.Location {
	if tz, ok := os.LookupEnv("TZ"); ok {
		tz = strings.TrimPrefix(tz, ":")
		if tz == "" {
			return time.UTC // POSIX: TZ set and empty is UTC
		}
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
		return time.Local
	}
	target, err := filepath.EvalSymlinks("/etc/localtime")
	if err != nil {
		return time.Local
	}
	if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.Local
}
