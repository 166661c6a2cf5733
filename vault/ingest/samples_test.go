package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedSamples returns ../shared/samples/<format> beside the repository
// (where the team's real export samples live, some under licences we do
// not redistribute). It fails the test when that folder is absent rather
// than skipping: CI has it, and a skipped sample test proves nothing.
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
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
	p := filepath.Join(filepath.Dir(dir), "shared", "samples", format)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared samples not found at %s: these tests need the team's ../shared/samples folder", p)
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

// addSeeds adds every file matching pattern under testdata/ to f's seed
// corpus, failing when there is none: a fuzz target without seeds
// explores nothing worth the time.
func addSeeds(f *testing.F, pattern string) {
	f.Helper()
	seeds, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(seeds) == 0 {
		f.Fatalf("no seed corpus matches testdata/%s", pattern)
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}
