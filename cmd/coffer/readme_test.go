package main

import (
	"archive/zip"
	"bytes"
	"coffer/vault/store/s3test"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
)

// TestReadmeExamples builds the demo vault the way make demo does (the
// Makefile's own recipe, read here) and runs every coffer command of
// README.md's sh code blocks against it, in order: each must succeed,
// and each search must find something. The README's first search found
// nothing in the demo vault, and nothing noticed.
//
// What the README leaves to the reader is supplied: case-2291 is the
// demo vault (init, which creates a vault, runs in a folder of its own);
// the passphrase prompt is answered with the demo's passphrase; me.key
// is a member key added to the demo vault, auditor.key the demo's
// auditor key; age1... (whose identity is opposing.key, a production's
// receiving party) and the SSH key are generated; the export files
// an import names are the demo's own exports. Commands that open the
// terminal interface (review, coffer DIR, audit without a subcommand)
// are parsed, not run: with --help appended, their flags and vault must
// be right.
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo vault (about a minute)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	t.Setenv("COFFER_STATE_DIR", filepath.Join(work, ".state"))
	t.Setenv("USER", "tester")
	t.Chdir(work)
	if err := os.Symlink(filepath.Join(root, "testdata"), "testdata"); err != nil {
		t.Fatal(err)
	}

	demo := demoRecipe(t, filepath.Join(root, "Makefile"))
	if demo.passphrase == "" || len(demo.commands) == 0 {
		t.Fatalf("no passphrase or commands in the Makefile's demo recipe: %+v", demo)
	}
	r := &readmeRunner{t: t, passphrase: demo.passphrase}
	os.MkdirAll(demo.dir, 0o755)
	writeFile(t, filepath.Join(demo.dir, "passphrase.txt"), demo.passphrase+"\n")
	for _, args := range demo.commands {
		if args[0] == "review" {
			// make demo's last step opens the TUI: its demo hint must
			// name the passphrase and the auditor key.
			hint := flagValue(args, "--demo-hint")
			if !strings.Contains(hint, demo.passphrase) || !strings.Contains(hint, demo.dir+"/auditor.key") {
				t.Errorf("make demo's review shows no demo hint with the passphrase and %s/auditor.key: %q", demo.dir, args)
			}
			r.parseOnly(args)
			continue
		}
		r.run(args)
	}

	// What the README's examples assume beyond the demo vault.
	vaultDir := demo.dir + "/vault"
	r.run([]string{"member", "add", vaultDir, "--identity-out", "me.key", "--name", "me", "--passphrase-file", demo.dir + "/passphrase.txt"})
	copyTestFile(t, demo.dir+"/auditor.key", "auditor.key")
	whatsapp, err := os.ReadFile("testdata/demo/whatsapp-trading-desk.txt")
	if err != nil {
		t.Fatal(err)
	}
	writeTestZip(t, "WhatsApp Chat with Ann.zip", "WhatsApp Chat with Ann.txt", whatsapp)
	copyTestFile(t, "testdata/demo/compliance.mbox", "inbox.mbox")
	copyTestFile(t, "testdata/demo/telegram-result.json", "result.json")
	copyTestFile(t, "testdata/demo/signal.jsonl", "export.jsonl")
	writeFile(t, "today.jsonl", `{"source":"email","conversation":{"id":"<gw@example.com>","title":"Gateway"},"sender":"ops","time":"2025-03-19T09:00:00Z","subject":"Gateway","body":"Captured today."}`+"\n")
	x25519, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	hybrid, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	subst := strings.NewReplacer(
		`"$(cat ~/.ssh/id_ed25519.pub)"`, `"`+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))+`"`,
		"age1pq1...", hybrid.Recipient().String(),
		"age1...", x25519.Recipient().String(),
		// The receiving party of a production verifies with the key the
		// producer printed; --vault names the same signer here.
		"--vault-key 6kpsY+KcU…=", "--vault case-2291",
	)
	writeFile(t, "opposing.key", x25519.String()+"\n") // the receiving party's identity, for age1...

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := readmeCommands(string(readme))
	if len(examples) < 20 {
		t.Fatalf("found %d coffer commands in README.md's sh blocks; the extraction is broken", len(examples))
	}
	// The team section's commands run against a bucket of a real
	// S3-compatible server, versioned with Object Lock (init sets a
	// retention), in a folder of their own where init's keys land.
	var bucket, s3dir string
	if s3test.Binary() != "" {
		srv := startS3(t)
		if bucket, err = srv.NewBucket(true); err != nil {
			t.Fatal(err)
		}
		s3dir = t.TempDir()
		copyTestFile(t, "export.jsonl", filepath.Join(s3dir, "export.jsonl"))
	} else if os.Getenv("CI") != "" {
		t.Fatal("no versitygw binary for README.md's S3 examples (make s3server)")
	}
	absVault, err := filepath.Abs(vaultDir)
	if err != nil {
		t.Fatal(err)
	}
	searches := 0
	for _, ex := range examples {
		line := subst.Replace(ex)
		if onS3 := strings.Contains(line, "s3://acme-matters/"); onS3 {
			if bucket == "" {
				t.Logf("README.md: %s: no S3 server here (make s3server): not run", ex)
				continue
			}
			words, err := shellWords(strings.ReplaceAll(line, "s3://acme-matters/", "s3://"+bucket+"/"))
			if err != nil {
				t.Errorf("README.md: %s: %v", ex, err)
				continue
			}
			args := words[1:]
			for i, a := range args {
				if a == "case-2291" {
					args[i] = absVault
				}
			}
			r.in(s3dir, func() {
				if opensTerminal(args) {
					r.parseOnly(args)
				} else {
					r.run(args)
				}
			})
			continue
		}
		if strings.Contains(line, "$(") || strings.Contains(line, "...") {
			t.Errorf("README.md: %s: a placeholder this test does not fill; teach TestReadmeExamples", ex)
			continue
		}
		words, err := shellWords(line)
		if err != nil {
			t.Errorf("README.md: %s: %v", ex, err)
			continue
		}
		args, stdoutFile := words[1:], ""
		for i, w := range args {
			if w == "|" { // piped into another program: coffer's part is what is tested
				args = args[:i]
				break
			}
			if w == ">" && i+1 < len(args) {
				stdoutFile = args[i+1]
				args = args[:i]
				break
			}
		}
		if args[0] == "init" {
			// init creates its vault: in a folder of its own.
			dir := t.TempDir()
			r.in(dir, func() { r.run(args) })
			continue
		}
		for i, a := range args {
			if a == "case-2291" {
				args[i] = vaultDir
			}
		}
		if opensTerminal(args) {
			r.parseOnly(args)
			continue
		}
		out := r.run(args)
		if stdoutFile != "" {
			writeFile(t, stdoutFile, out)
		}
		if args[0] == "search" {
			searches++
			if strings.Contains(out, "No messages match.") || strings.TrimSpace(out) == "" {
				t.Errorf("README.md: %s finds nothing in the demo vault", ex)
			}
		}
	}
	if searches == 0 {
		t.Errorf("no search among README.md's examples")
	}
}

// opensTerminal reports whether args start the terminal interface.
func opensTerminal(args []string) bool {
	switch {
	case args[0] == "review", isVaultDir(args[0]):
		return true
	case args[0] == "audit":
		pos := 0
		for i := 1; i < len(args); i++ {
			if strings.HasPrefix(args[i], "-") {
				i++ // every audit flag the README uses takes a value
				continue
			}
			pos++
		}
		return pos == 1
	}
	return false
}

// readmeRunner runs coffer in this process, answering passphrase
// prompts with the demo's passphrase.
type readmeRunner struct {
	t          *testing.T
	passphrase string
}

func (r *readmeRunner) run(args []string) string {
	r.t.Helper()
	var out, errb bytes.Buffer
	e := newEnv(nil, &out, &errb, func() (io.ReadWriteCloser, error) {
		return &fakeTTY{in: strings.NewReader(r.passphrase + "\n")}, nil
	})
	r.t.Logf("coffer %s", strings.Join(args, " "))
	if code := run(e, args); code != exitOK {
		r.t.Errorf("coffer %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

// parseOnly checks the flags and arguments of a command that would open
// the terminal interface: --help parses everything before it, and the
// vault and key files must exist.
func (r *readmeRunner) parseOnly(args []string) {
	r.t.Helper()
	if !isVaultDir(args[1]) && !isVaultDir(args[0]) && !(args[0] == "audit" && isVaultDir(firstPositional(args[1:]))) {
		r.t.Errorf("coffer %s: no vault there", strings.Join(args, " "))
	}
	for i, a := range args {
		if (a == "--identity" || a == "--passphrase-file") && i+1 < len(args) {
			if _, err := os.Stat(args[i+1]); err != nil {
				r.t.Errorf("coffer %s: %v", strings.Join(args, " "), err)
			}
		}
	}
	r.run(append(append([]string{}, args...), "--help"))
}

func firstPositional(args []string) string {
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			i++
			continue
		}
		return args[i]
	}
	return ""
}

// in runs f with dir as the working directory.
func (r *readmeRunner) in(dir string, f func()) {
	old, err := os.Getwd()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		r.t.Fatal(err)
	}
	defer os.Chdir(old)
	f()
}

// fakeTTY is a terminal whose user types one line.
type fakeTTY struct{ in io.Reader }

func (f *fakeTTY) Read(p []byte) (int, error)  { return f.in.Read(p) }
func (f *fakeTTY) Write(p []byte) (int, error) { return len(p), nil }
func (f *fakeTTY) Close() error                { return nil }

// demo is what the Makefile's demo recipe does.
type demo struct {
	dir        string // $(DEMO)
	passphrase string
	commands   [][]string // coffer's arguments, in order
}

var (
	makeVar       = regexp.MustCompile(`(?m)^(\w+)\s*:?=\s*(.*)$`)
	makePassphrse = regexp.MustCompile(`^printf '([^'\\]*)\\n' > \$\(DEMO\)/passphrase\.txt$`)
)

// demoRecipe reads the demo target of the Makefile, with the targets it
// depends on first (make demo-vault, when the recipe is split): its
// passphrase and its coffer commands, with $(BIN) and $(DEMO) expanded.
func demoRecipe(t *testing.T, makefile string) demo {
	t.Helper()
	data, err := os.ReadFile(makefile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseDemoRecipe(string(data))
	if err != nil {
		t.Fatalf("%s: %v", makefile, err)
	}
	return d
}

var makeRule = regexp.MustCompile(`^([\w.-]+):([^=].*)?$`)

func parseDemoRecipe(makefile string) (demo, error) {
	text := strings.ReplaceAll(makefile, "\\\n", " ")
	var d demo
	for _, m := range makeVar.FindAllStringSubmatch(text, -1) {
		if m[1] == "DEMO" {
			d.dir = strings.TrimSpace(m[2])
		}
	}
	// Each rule's prerequisites and recipe.
	type rule struct {
		prereqs []string
		recipe  []string
	}
	rules := map[string]*rule{}
	var cur *rule
	for _, line := range strings.Split(text, "\n") {
		if m := makeRule.FindStringSubmatch(line); m != nil {
			deps, _, _ := strings.Cut(m[2], "##")
			cur = &rule{prereqs: strings.Fields(deps)}
			rules[m[1]] = cur
			continue
		}
		if cur != nil && strings.HasPrefix(line, "\t") {
			cur.recipe = append(cur.recipe, strings.TrimPrefix(strings.TrimSpace(line), "@"))
			continue
		}
		if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
			cur = nil
		}
	}
	var expand func(target string, depth int) error
	expand = func(target string, depth int) error {
		r, ok := rules[target]
		if !ok || depth > 8 {
			return nil // a file, or a loop
		}
		for _, p := range r.prereqs {
			if err := expand(p, depth+1); err != nil {
				return err
			}
		}
		for _, cmd := range r.recipe {
			if m := makePassphrse.FindStringSubmatch(cmd); m != nil {
				d.passphrase = m[1]
				continue
			}
			if !strings.HasPrefix(cmd, "$(BIN) ") {
				continue
			}
			words, err := shellWords(strings.ReplaceAll(strings.TrimPrefix(cmd, "$(BIN) "), "$(DEMO)", d.dir))
			if err != nil {
				return fmt.Errorf("%s: %s: %v", target, cmd, err)
			}
			d.commands = append(d.commands, words)
		}
		return nil
	}
	if _, ok := rules["demo"]; !ok {
		return d, fmt.Errorf("no demo target")
	}
	return d, expand("demo", 0)
}

// readmeCommands returns the lines of README.md's sh code blocks that
// run coffer.
func readmeCommands(md string) []string {
	var out []string
	in := false
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "```sh"):
			in = true
		case strings.HasPrefix(l, "```"):
			in = false
		case in && strings.HasPrefix(l, "coffer "):
			// A line ending in a backslash goes on on the next.
			for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
				i++
				l = strings.TrimSuffix(l, "\\") + " " + strings.TrimSpace(lines[i])
			}
			out = append(out, l)
		}
	}
	return out
}

// shellWords splits a command line as sh would, for the quoting the
// README and the Makefile use: single and double quotes, backslashes,
// and a # comment. | and > are words of their own.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated '")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, fmt.Errorf(`unterminated "`)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			i = len(s)
		case (c == '|' || c == '>') && !inWord:
			words = append(words, string(c))
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyTestFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(b))
}

func writeTestZip(t *testing.T, path, name string, content []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.String())
}

// TestDemoRecipe reads make demo's commands whether the recipe is one
// target or split (demo: build demo-vault).
func TestDemoRecipe(t *testing.T) {
	const split = "DEMO     := demo\n" +
		"demo: build demo-vault ## build and open\n" +
		"\t@echo hello\n" +
		"\t@$(BIN) review $(DEMO)/vault --demo-hint \"the passphrase is 'p q'\"\n" +
		"\n" +
		"# The demo vault alone.\n" +
		"demo-vault:\n" +
		"\t@rm -rf $(DEMO) && mkdir -p $(DEMO)\n" +
		"\t@printf 'p q\\n' > $(DEMO)/passphrase.txt\n" +
		"\t@$(BIN) init $(DEMO)/vault --passphrase-file $(DEMO)/passphrase.txt --name \"Demo vault\"\n" +
		"\t@$(BIN) import $(DEMO)/vault a.txt \\\n" +
		"\t\tb.json --timezone Europe/London\n" +
		"\n" +
		"clean:\n" +
		"\trm -rf bin $(DEMO)\n"
	d, err := parseDemoRecipe(split)
	if err != nil {
		t.Fatal(err)
	}
	want := demo{dir: "demo", passphrase: "p q", commands: [][]string{
		{"init", "demo/vault", "--passphrase-file", "demo/passphrase.txt", "--name", "Demo vault"},
		{"import", "demo/vault", "a.txt", "b.json", "--timezone", "Europe/London"},
		{"review", "demo/vault", "--demo-hint", "the passphrase is 'p q'"},
	}}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", d, want)
	}
	if _, err := parseDemoRecipe("all:\n\ttrue\n"); err == nil {
		t.Error("a Makefile without a demo target parses")
	}
}
