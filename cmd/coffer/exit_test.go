package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes checks the exit status of each kind of failure, which the
// scripts (testscript only tells zero from non-zero) cannot.
func TestExitCodes(t *testing.T) {
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	dir := t.TempDir()
	var out, errb bytes.Buffer
	e := newEnv(nil, &out, &errb, nil)
	vdir := filepath.Join(dir, "v")
	key := filepath.Join(dir, "me.key")
	if code := run(e, []string{"init", vdir, "--identity-out", key, "--auditor-key-out", filepath.Join(dir, "a.key")}); code != exitOK {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	other := filepath.Join(dir, "o")
	run(e, []string{"init", other, "--identity-out", filepath.Join(dir, "other.key"), "--auditor-key-out", filepath.Join(dir, "a2.key")})
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"usage", []string{"frobnicate"}, exitUsage},
		{"bad flag", []string{"stats", vdir, "--nope"}, exitUsage},
		{"wrong key", []string{"stats", vdir, "--identity", filepath.Join(dir, "other.key")}, exitWrongKey},
		{"bad input", []string{"import", vdir, bad, "--format", "jsonl", "--identity", key}, exitBadInput},
		{"not a vault", []string{"verify", dir}, exitFailure},
		{"ok", []string{"verify", vdir}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errb.Reset()
			if got := run(e, tt.args); got != tt.want {
				t.Fatalf("exit %d, want %d; stderr: %s", got, tt.want, errb.String())
			}
			if tt.want != exitOK && !strings.HasPrefix(errb.String(), "coffer: error: ") {
				t.Fatalf("stderr %q", errb.String())
			}
		})
	}
}
