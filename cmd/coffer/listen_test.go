package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// listening matches what opens a socket for others to connect to.
var listening = regexp.MustCompile(`\bnet\.Listen(Packet|TCP|UDP|Unix)?\(|\bListenAndServe(TLS)?\(|\bhttp\.Serve(TLS)?\(|"expvar"`)

// TestBinaryServesNothing: coffer listens on nothing, and has no debug
// endpoint. None of its own packages opens a listening socket or imports
// expvar; the binary links neither net/http/pprof nor the S3 test
// server's package (whose recorder and server do listen, on loopback,
// for tests only). bleve imports expvar, which registers /debug/vars on
// http.DefaultServeMux: served by nothing, since nothing listens. The
// same scan of s3test finds its listeners: the check can fail.
func TestBinaryServesNothing(t *testing.T) {
	deps := goList(t, ".")
	if len(deps) < 50 {
		t.Fatalf("go list found %d packages: the scan is broken", len(deps))
	}
	for path, files := range deps {
		switch {
		case path == "net/http/pprof" || strings.HasSuffix(path, "/s3test"):
			t.Errorf("the coffer binary links %s", path)
		case strings.HasPrefix(path, "coffer/"):
			if f := listener(t, files); f != "" {
				t.Errorf("%s opens a listening socket or imports expvar (%s)", path, f)
			}
		}
	}
	for path, files := range goList(t, "../../vault/store/s3test") {
		if strings.HasSuffix(path, "/s3test") && listener(t, files) == "" {
			t.Error("the scan does not find s3test's listeners: it cannot fail")
		}
	}
}

// goList returns the packages pkg builds from, each with its Go files.
func goList(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .GoFiles}} {{$.Dir}}/{{.}}{{end}}`, pkg).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	return deps
}

func listener(t *testing.T, files []string) string {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if listening.Match(b) {
			return filepath.Base(f)
		}
	}
	return ""
}
