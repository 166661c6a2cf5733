package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionLine is what coffer --version prints: the module version and
// the VCS revision the binary was built from (go build stamps both into
// the build info), so a bug report names the exact code. A binary built
// with go build from a checkout is "(devel)" with a revision; go install
// coffer@v1.2.0 has a version and no revision; a test binary has
// neither.
func versionLine(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return fmt.Sprintf("coffer (unknown version: no build info) %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	out := "coffer " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " revision " + rev
		if modified {
			out += " (modified)"
		}
		if when != "" {
			out += " of " + when
		}
	}
	goVersion := bi.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	return fmt.Sprintf("%s, %s %s/%s", out, goVersion, runtime.GOOS, runtime.GOARCH)
}
