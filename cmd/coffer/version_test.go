package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestVersionLine(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	setting := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"release", &debug.BuildInfo{GoVersion: "go1.26.7", Main: debug.Module{Version: "v1.2.0"}}, true,
			"coffer v1.2.0, go1.26.7 " + platform},
		{"checkout", &debug.BuildInfo{GoVersion: "go1.26.7", Main: debug.Module{Version: "(devel)"},
			Settings: setting("vcs", "git", "vcs.revision", "8aaf004e356f540193e8dab259951354fcfe58b1", "vcs.time", "2026-12-06T22:00:00Z", "vcs.modified", "false")}, true,
			"coffer (devel) revision 8aaf004e356f of 2026-12-06T22:00:00Z, go1.26.7 " + platform},
		{"modified checkout", &debug.BuildInfo{GoVersion: "go1.26.7", Main: debug.Module{Version: "v1.2.1-0.20261206220000-8aaf004e356f+dirty"},
			Settings: setting("vcs.revision", "8aaf004e356f540193e8dab259951354fcfe58b1", "vcs.modified", "true")}, true,
			"coffer v1.2.1-0.20261206220000-8aaf004e356f+dirty revision 8aaf004e356f (modified), go1.26.7 " + platform},
		{"test binary", &debug.BuildInfo{GoVersion: "go1.26.7"}, true, "coffer (devel), go1.26.7 " + platform},
		{"no build info", nil, false, "coffer (unknown version: no build info) " + runtime.Version() + " " + platform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.bi, tt.ok); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
