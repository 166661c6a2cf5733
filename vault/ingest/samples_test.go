package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedSamples returns ../shared/samples/<format> beside the repository
// (where the team's real export samples live, some under licences we do
// not redistribute), or skips the test when that folder is absent.
func sharedSamples(t testing.TB, format string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test's folder")
		}
		dir = parent
	}
	p := filepath.Join(filepath.Dir(dir), "shared", "samples", format)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared samples not found at %s: these tests need the team's ../shared/samples folder", p)
	}
	return p
}

// collect parses path with f and returns every message.
func collect(t testing.TB, f Format, path string, opt Options) []*vaultMessage {
	t.Helper()
	var out []*vaultMessage
	err := f.Parse(path, opt, func(m *vaultMessage) error {
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return out
}
