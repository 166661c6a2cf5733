package index_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coffer/index"
	"coffer/vault/corpus"
)

// TestNoFilesWritten checks invariant 1 for the index: building and
// searching creates no file in the working directory, HOME or TMPDIR, and
// leaves no new regular file open.
func TestNoFilesWritten(t *testing.T) {
	wd, home, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	t.Chdir(wd)
	t.Setenv("HOME", home)
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CACHE_HOME", "")
	before := openFiles(t)

	msgs := corpus.Generate(3000, 42)
	ix, err := build(msgs, map[string][]string{msgs[0].ID: {"secret-tag"}}, index.Options{BatchSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"the", `"the to"`, "tr*", "meeting~", "from:alice date:2023", "tag:secret-tag", "*"} {
		if _, err := ix.Search(context.Background(), q, index.Request{Facets: true}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := ix.SetTags(msgs[1].ID, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	after := openFiles(t)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	for _, dir := range []string{wd, home, tmp} {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				t.Error(err)
			} else if path != dir {
				t.Errorf("index created %s", path)
			}
			return nil
		})
	}
	for f := range after {
		if !before[f] {
			t.Errorf("index opened %s", f)
		}
	}
}

// openFiles lists the regular files this process has open (Linux only;
// elsewhere the check is skipped).
func openFiles(t *testing.T) map[string]bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Logf("cannot list open files: %v", err)
		return nil
	}
	out := map[string]bool{}
	for _, e := range ents {
		p, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || !strings.HasPrefix(p, "/") {
			continue // pipes, sockets, anon inodes
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			out[p] = true
		}
	}
	return out
}
