package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"coffer/vault"
)

// TestTagArgs: how coffer tag reads its command line, and the argument
// each error names.
func TestTagArgs(t *testing.T) {
	tests := []struct {
		args    string // split on spaces
		ops     string
		query   string
		dryRun  bool
		wantErr string
	}{
		{args: "v +a -b -- from:bob x", ops: "+a -b", query: "from:bob x"},
		{args: "v --dry-run +a -- x", ops: "+a", query: "x", dryRun: true},
		{args: "v +a --identity k -b -- x", ops: "+a -b", query: "x"},
		{args: "v +a --identity=k -- x --dry-run", ops: "+a", query: "x --dry-run"},
		{args: "v -dry-run -- x", ops: "-dry-run", query: "x"},
		{args: "v +a -- -b", ops: "+a", query: "-b"},
		{args: "v +a", wantErr: `missing -- between the tags and the query`},
		{args: "v a -- x", wantErr: `argument "a": want +TAG`},
		{args: "v +a -- ", wantErr: `empty query after --`},
		{args: "v -- x", wantErr: `no +TAG or -TAG`},
		{args: "v + -- x", wantErr: `argument "+": empty tag`},
		{args: "v +a -a -- x", wantErr: `argument "-a": the tag "a" is named twice`},
		{args: "-- x", wantErr: `missing arguments`},
		{args: "v +a --nope -- x", wantErr: `flag provided but not defined: -nope`},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			fs := flag.NewFlagSet("tag", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			var u unlockFlags
			u.register(fs)
			dry := fs.Bool("dry-run", false, "")
			pos, err := parseTagArgs(fs, strings.Split(tc.args, " "))
			var ops []tagOp
			var query string
			if err == nil {
				_, ops, query, err = tagArgs(pos)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := opsString(ops); got != tc.ops || query != tc.query || *dry != tc.dryRun {
				t.Errorf("ops %q query %q dry-run %v, want %q %q %v", got, query, *dry, tc.ops, tc.query, tc.dryRun)
			}
		})
	}
}

// FuzzTagArgs: no command line makes tag's parser panic, and what it
// accepts is valid tags, each once, and a query.
func FuzzTagArgs(f *testing.F) {
	for _, s := range []string{"v\x00+a\x00-b\x00--\x00q", "v\x00--dry-run\x00+a\x00--\x00q", "v\x00+\x00--", "--\x00--", "v\x00--identity\x00", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		fs := flag.NewFlagSet("tag", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var u unlockFlags
		u.register(fs)
		fs.Bool("dry-run", false, "")
		pos, err := parseTagArgs(fs, strings.Split(line, "\x00"))
		if err != nil {
			return
		}
		_, ops, query, err := tagArgs(pos)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, o := range ops {
			if vault.ValidTag(o.tag) != nil || seen[o.tag] {
				t.Fatalf("accepted %q", o)
			}
			seen[o.tag] = true
		}
		if len(ops) == 0 || strings.TrimSpace(query) == "" {
			t.Fatalf("accepted %q: ops %v query %q", line, ops, query)
		}
	})
}
