package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChatDetectOthers runs the Telegram, Signal, Slack and iMessage detectors on
// every sample of every format: each must claim exactly its own exports
// and never the others' (nor a folder, nor a missing file).
func TestChatDetectOthers(t *testing.T) {
	root := filepath.Dir(sharedSamples(t, "telegram"))
	notExports := map[string]bool{ // in their format's folder but not importable
		"chat-miner__signal_target.json": true,
		"signal-export__db.sqlite":       true,
		"signal-export__config.json":     true,
	}
	var n int
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		folder := strings.Split(filepath.ToSlash(rel), "/")[0]
		for _, f := range []Format{Telegram, Signal, Slack, IMessage} {
			want := f.Name == folder && !notExports[d.Name()]
			if got := f.Detect(p); got != want {
				t.Errorf("%s.Detect(%s) = %v, want %v", f.Name, rel, got, want)
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d sample files found under %s", n, root)
	}
	for _, p := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing.json"), filepath.Join("testdata", "jsonl")} {
		for _, f := range []Format{Telegram, Signal, Slack, IMessage} {
			if f.Detect(p) {
				t.Errorf("%s.Detect(%s) = true", f.Name, p)
			}
		}
	}
}
