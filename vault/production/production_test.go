package production

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"coffer/vault"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture is a small production: an email with a stored attachment and
// one that was not exported, and a chat message with an attachment.
type fixture struct {
	msgs     []*vault.Message
	content  map[[2]int][]byte
	key      ed25519.PrivateKey
	receiver *age.X25519Identity
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	at := time.Date(2025, 3, 10, 14, 2, 11, 0, time.UTC)
	email := &vault.Message{ID: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", Source: "email", Sender: "Heinz Müller", SenderID: "heinz@example.com",
		To: []string{"ann@example.com"}, Time: at, Offset: 3600, Subject: "Überweisung für März: please confirm the wire before Friday, as agreed on the call",
		Body:         "Hi Ann,\nthe wire goes out Friday.\r\nBcc: injected@evil.example\n\nHeinz",
		Conversation: vault.Conversation{ID: "email:<t1@example.com>", Title: "Überweisung für März"},
		Headers: map[string]string{"Message-ID": "<m1@example.com>", "To": "Ann Smith <ann@example.com>", "Cc": "Bob <bob@example.com>\r\nX-Evil: 1",
			"References": "<t0@example.com>", "In-Reply-To": "<t0@example.com>", "X-Folder": "inbox"},
		Attachments: []vault.Attachment{
			{Name: "wire=1,\"x\".PDF", Type: "application/pdf", Size: 7, Ref: vault.BlobRef{Blob: "blobs/000001-0000.age", Length: 7}},
			{Name: "photo.jpg", Missing: true},
		}}
	chat := &vault.Message{ID: "f9e8d7c6b5a4938271605f4e3d2c1b0a", Source: "whatsapp", Sender: "Ann", Time: at.Add(time.Hour), Offset: -5 * 3600,
		Body: "=HYPERLINK(\"x\") sure 👍", Conversation: vault.Conversation{ID: "whatsapp:desk", Title: "Desk", Participants: []string{"Ann", "Heinz Müller"}},
		Attachments: []vault.Attachment{{Name: "notes.txt", Size: 5, Ref: vault.BlobRef{Blob: "blobs/000001-0000.age", Offset: 7, Length: 5}}}}
	receiver, _ := age.GenerateX25519Identity()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)) // golden manifest.json names it
	return &fixture{
		msgs:     []*vault.Message{email, chat},
		content:  map[[2]int][]byte{{0, 0}: []byte("%PDF-1."), {1, 0}: []byte("notes")},
		key:      key,
		receiver: receiver,
	}
}

func (f *fixture) options(produced time.Time) Options {
	return Options{VaultID: "00112233445566778899aabbccddeeff", VaultName: "Case 2291", Query: "tag:responsive", Prefix: "ABC", Digits: 7, First: 41,
		Produced: produced, Recipients: []age.Recipient{f.receiver.Recipient()}, Key: f.key.Public().(ed25519.PublicKey), Epoch: 1,
		Sign: func(m []byte) vault.ProductionSignature { return vault.SignProductionWith(f.key, 1, m) }}
}

func (f *fixture) attachment(i, j int) ([]byte, error) {
	b, ok := f.content[[2]int{i, j}]
	if !ok {
		return nil, fmt.Errorf("no content for %d/%d", i, j)
	}
	return b, nil
}

// plain is the package's tar archive.
func (f *fixture) plain(t testing.TB, produced time.Time) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := writeTar(&b, f.msgs, f.attachment, f.options(produced)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encrypted is the package as Write writes it.
func (f *fixture) encrypted(t testing.TB) ([]byte, *Summary) {
	t.Helper()
	var b bytes.Buffer
	sum, err := Write(&b, f.msgs, f.attachment, f.options(time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), sum
}

type entry struct {
	name string
	data []byte
}

func entries(t testing.TB, plain []byte) []entry {
	t.Helper()
	var out []entry
	tr := tar.NewReader(bytes.NewReader(plain))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, entry{h.Name, b})
	}
}

// repack encrypts entries as a tar archive to the receiver.
func (f *fixture) repack(t testing.TB, es []entry) []byte {
	t.Helper()
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	for _, e := range es {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Size: int64(len(e.data)), Mode: 0o644})
		tw.Write(e.data)
	}
	tw.Close()
	var out bytes.Buffer
	w, _ := age.Encrypt(&out, f.receiver.Recipient())
	w.Write(plain.Bytes())
	w.Close()
	return out.Bytes()
}

func (f *fixture) decrypt(t testing.TB, pkg []byte) []entry {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(pkg), f.receiver)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	return entries(t, b)
}

// TestLayout: the files, their order and numbers, and the golden load
// file, EML and transcript.
func TestLayout(t *testing.T) {
	f := newFixture(t)
	es := entries(t, f.plain(t, time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)))
	var names []string
	for _, e := range es {
		names = append(names, e.name)
	}
	want := "messages/ABC0000041.eml attachments/ABC0000042.pdf messages/ABC0000043.txt messages/ABC0000043.jsonl attachments/ABC0000044.txt loadfile.csv manifest.json manifest.sig"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("entries\n %s\nwant\n %s", got, want)
	}
	for _, e := range es {
		switch e.name {
		case "messages/ABC0000041.eml", "messages/ABC0000043.txt", "loadfile.csv", "manifest.json":
			golden(t, filepath.Base(e.name), e.data)
		}
	}
	head, _, _ := strings.Cut(string(es[0].data), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "X-Evil:") || len(line) > 998 {
			t.Errorf("EML line %q: a header was injected or a line is too long", line)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

// TestDeterministic: the same messages and numbers give byte-identical
// archives; another time changes only manifest.json and its signature.
func TestDeterministic(t *testing.T) {
	f := newFixture(t)
	t1, t2 := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC), time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	if !bytes.Equal(f.plain(t, t1), f.plain(t, t1)) {
		t.Fatal("two productions at the same time differ")
	}
	a, b := entries(t, f.plain(t, t1)), entries(t, f.plain(t, t2))
	if len(a) != len(b) {
		t.Fatalf("%d and %d entries", len(a), len(b))
	}
	for i := range a {
		same := a[i].name == b[i].name && bytes.Equal(a[i].data, b[i].data)
		if changes := a[i].name == ManifestFile || a[i].name == SigFile; same == changes {
			t.Errorf("%s: same %v", a[i].name, same)
		}
	}
}

// TestVerify: an intact package verifies, pinned or not; a flipped byte,
// a removed or added file and a manifest re-signed with another key are
// each caught and named.
func TestVerify(t *testing.T) {
	f := newFixture(t)
	pkg, sum := f.encrypted(t)
	ids := []age.Identity{f.receiver}
	vaultKey := f.key.Public().(ed25519.PublicKey)
	rep, err := Verify(bytes.NewReader(pkg), ids, Pin{Key: vaultKey})
	if err != nil || !rep.OK() || rep.Pinned != "key" || rep.Manifest.First != "ABC0000041" || rep.Manifest.Last != "ABC0000044" {
		t.Fatalf("intact package: %v %+v", err, rep)
	}
	if sum.Documents != 4 || sum.Attachments != 2 || sum.Messages != 2 || sum.First != "ABC0000041" || sum.Last != "ABC0000044" {
		t.Errorf("summary %+v", sum)
	}
	if rep, err := Verify(bytes.NewReader(pkg), ids, Pin{}); err != nil || !rep.OK() || rep.Pinned != "" {
		t.Errorf("unpinned: %v %+v", err, rep)
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := Verify(bytes.NewReader(pkg), []age.Identity{other}, Pin{}); err != ErrNotForIdentity {
		t.Errorf("another identity: %v", err)
	}
	flipped := bytes.Clone(pkg)
	flipped[len(flipped)-100] ^= 1
	if _, err := Verify(bytes.NewReader(flipped), ids, Pin{}); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Errorf("flipped ciphertext byte: %v", err)
	}

	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	resign := func(es []entry, key ed25519.PrivateKey) []entry {
		for i := range es {
			if es[i].name == ManifestFile {
				pub := key.Public().(ed25519.PublicKey)
				es[i].data = bytes.Replace(es[i].data, []byte(b64(vaultKey)), []byte(b64(pub)), 1)
				sig := vault.SignProductionWith(key, 1, es[i].data)
				es[i+1].data = []byte(b64(sig.Signature) + "\n")
			}
		}
		return es
	}
	tests := []struct {
		name   string
		edit   func([]entry) []entry
		pin    Pin
		errors []string
	}{
		{"flipped byte in an attachment", func(es []entry) []entry { es[1].data[0] ^= 1; return es }, Pin{},
			[]string{"attachments/ABC0000042.pdf: content does not match the manifest's SHA-256 (altered)"}},
		{"removed file", func(es []entry) []entry { return append(es[:2], es[3:]...) }, Pin{},
			[]string{"messages/ABC0000043.txt: missing (listed in the manifest)"}},
		{"added file", func(es []entry) []entry { return append([]entry{{"messages/x.eml", []byte("x")}}, es...) }, Pin{},
			[]string{"messages/x.eml: not listed in the manifest (added)"}},
		{"truncated file", func(es []entry) []entry { es[0].data = es[0].data[:10]; return es }, Pin{},
			[]string{fmt.Sprintf("messages/ABC0000041.eml: 10 bytes, the manifest says %d (truncated or altered)", len(f.decrypt(t, pkg)[0].data))}},
		{"altered manifest", func(es []entry) []entry {
			es[len(es)-2].data = bytes.Replace(es[len(es)-2].data, []byte("tag:responsive"), []byte("tag:responsivX"), 1)
			return es
		}, Pin{}, []string{"manifest.sig: the signature does not match manifest.json and the key it names (the manifest was altered)"}},
		{"removed signature", func(es []entry) []entry { return es[:len(es)-1] }, Pin{},
			[]string{"manifest.sig: missing: the manifest is not signed"}},
		{"re-signed with another key, pinned", func(es []entry) []entry { es[1].data[0] ^= 1; return resign(es, otherKey) }, Pin{Key: vaultKey},
			[]string{"attachments/ABC0000042.pdf: content does not match the manifest's SHA-256 (altered)"}},
		{"re-signed with another key, unpinned", func(es []entry) []entry { return resign(es, otherKey) }, Pin{}, nil},
		{"re-signed with another key, pinned, nothing else changed", func(es []entry) []entry { return resign(es, otherKey) }, Pin{Key: vaultKey},
			[]string{"manifest.sig: signed by key " + b64(otherKey.Public().(ed25519.PublicKey)) + ", not the pinned " + b64(vaultKey) + " (re-signed by someone else)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := f.decrypt(t, pkg)
			rep, err := Verify(bytes.NewReader(f.repack(t, tc.edit(es))), ids, tc.pin)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rep.Problems, "\n") != strings.Join(tc.errors, "\n") && !(strings.Contains(tc.name, "pinned") && containsAll(rep.Problems, tc.errors)) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(rep.Problems, "\n"), strings.Join(tc.errors, "\n"))
			}
		})
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestNumbersFit: numbers that need more digits than asked are refused
// before anything is written.
func TestNumbersFit(t *testing.T) {
	f := newFixture(t)
	opt := f.options(time.Now())
	opt.First, opt.Digits = 9998, 4
	var b bytes.Buffer
	if _, err := Write(&b, f.msgs, f.attachment, opt); err == nil || b.Len() > 0 {
		t.Errorf("wrote %d bytes, err %v", b.Len(), err)
	}
}

// FuzzVerifyTar: whatever the decrypted archive holds, verification
// reports, never panics.
func FuzzVerifyTar(f *testing.F) {
	fx := newFixture(f)
	plain := fx.plain(f, time.Now())
	f.Add(plain)
	f.Add(plain[:len(plain)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := verifyTar(bytes.NewReader(data), Pin{Key: fx.key.Public().(ed25519.PublicKey)})
		if err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
