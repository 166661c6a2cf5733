package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
)

// tamperFixture is a vault with two imports (so two records and several
// segments) and a saved copy of the manifest after the first import.
type tamperFixture struct {
	*fixture
	oldManifest []byte
	segments    []*FileEntry
}

func newTamperFixture(t *testing.T) *tamperFixture {
	t.Helper()
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	f := newFixture(t)
	v := f.open(t, f.passKey())
	importMessages(t, v, testMessages(30, "first"))
	old := rawRead(t, f.dir, ManifestFile)
	importMessages(t, v, testMessages(30, "second"))
	return &tamperFixture{fixture: f, oldManifest: old, segments: v.Manifest.Files("segment")}
}

func (tf *tamperFixture) read(t *testing.T, name string) []byte     { return rawRead(t, tf.dir, name) }
func (tf *tamperFixture) write(t *testing.T, name string, b []byte) { rawWrite(t, tf.dir, name, b) }
func (tf *tamperFixture) remove(t *testing.T, name string)          { rawRemove(t, tf.dir, name) }

func (tf *tamperFixture) flipByte(t *testing.T, name string, at int) {
	t.Helper()
	b := tf.read(t, name)
	if at < 0 {
		at = len(b) + at
	}
	b[at] ^= 0x01
	tf.write(t, name, b)
}

// expectTamper checks that Verify fails naming every one of files, and
// that an unlock-and-load fails naming one of them (it stops at the first).
func (tf *tamperFixture) expectTamper(t *testing.T, files ...string) {
	t.Helper()
	namedOne := func(err error, file string) bool {
		var te *TamperError
		return errors.As(err, &te) && te.File == file
	}
	named := func(err error) bool {
		for _, f := range files {
			if namedOne(err, f) {
				return true
			}
		}
		return false
	}
	rep, err := Verify(tf.dir)
	switch {
	case err != nil:
		if !named(err) {
			t.Errorf("Verify error %v does not name %s", err, files)
		}
	case rep.OK():
		t.Errorf("Verify found nothing wrong")
	default:
		for _, file := range files {
			found := false
			for _, p := range append(rep.Problems, rep.Unknown...) {
				found = found || namedOne(p, file)
			}
			if !found {
				t.Errorf("Verify problems %v and unknown files %v do not name %s", rep.Problems, rep.Unknown, file)
			}
		}
	}
	v, err := Unlock(tf.dir, tf.passKey())
	if err == nil {
		err = v.Load(nil)
		if err == nil {
			for _, w := range v.Warnings {
				for _, file := range files {
					if strings.HasPrefix(w, file+":") {
						return // ignored and reported: nothing from it is shown
					}
				}
			}
		}
	}
	if !named(err) {
		t.Errorf("unlock+load error %v does not name %s", err, files)
	}
}

func TestTamperSegmentByteFlip(t *testing.T) {
	tf := newTamperFixture(t)
	name := tf.segments[0].Name
	tf.flipByte(t, name, -20)
	tf.expectTamper(t, name)
}

func TestTamperManifestByteFlip(t *testing.T) {
	tf := newTamperFixture(t)
	b := tf.read(t, ManifestFile)
	// Flip a byte inside the last record's signed body (a digit of its time).
	i := bytes.LastIndex(b, []byte(`"time":"`)) + len(`"time":"`) + 3
	b[i] ^= 0x01
	tf.write(t, ManifestFile, b)
	tf.expectTamper(t, ManifestFile)
	_, err := ReadManifest(tf.dir)
	var te *TamperError
	if !errors.As(err, &te) || te.Line != bytes.Count(b, []byte("\n")) || !strings.Contains(te.Reason, "signature") {
		t.Fatalf("err %v: want bad signature on the last line", err)
	}
}

func TestTamperKeyFileByteFlip(t *testing.T) {
	tf := newTamperFixture(t)
	m, _ := ReadManifest(tf.dir)
	var name string
	for _, mem := range m.Members {
		if mem.Kind == KindPassphrase {
			name = mem.keyFiles[1].Name
		}
	}
	tf.flipByte(t, name, -5)
	tf.expectTamper(t, name)
}

func TestTamperTruncatedSegment(t *testing.T) {
	tf := newTamperFixture(t)
	name := tf.segments[1].Name
	b := tf.read(t, name)
	tf.write(t, name, b[:len(b)/2])
	tf.expectTamper(t, name)
}

func TestTamperTruncatedManifest(t *testing.T) {
	tf := newTamperFixture(t)
	b := tf.read(t, ManifestFile)
	tf.write(t, ManifestFile, b[:len(b)-40])
	tf.expectTamper(t, ManifestFile)
}

func TestTamperDeletedSegment(t *testing.T) {
	tf := newTamperFixture(t)
	name := tf.segments[0].Name
	tf.remove(t, name)
	tf.expectTamper(t, name)
}

func TestTamperSwappedSegments(t *testing.T) {
	tf := newTamperFixture(t)
	a, b := tf.segments[0].Name, tf.segments[1].Name
	da := tf.read(t, a)
	db := tf.read(t, b)
	tf.write(t, a, db)
	tf.write(t, b, da)
	tf.expectTamper(t, a, b)
}

func TestTamperReplayedManifestCaughtByPin(t *testing.T) {
	tf := newTamperFixture(t)
	// Put back the older manifest and remove the newer import's files, so
	// the folder is consistent with it: only the pin can tell.
	m, _ := ReadManifest(tf.dir)
	for _, e := range m.Files("") {
		if e.Seq == m.Seq() {
			tf.remove(t, e.Name)
		}
	}
	tf.write(t, ManifestFile, tf.oldManifest)
	tf.expectTamper(t, ManifestFile)
}

func TestTamperReplayedManifestCaughtByNewerFiles(t *testing.T) {
	tf := newTamperFixture(t)
	// A machine that never saw this vault (no pin) still sees that the
	// folder holds segments of a newer manifest than the one present,
	// once the rollback spans more than one import (a single dropped
	// import is indistinguishable from an interrupted one without a pin;
	// SECURITY.md says so).
	v := tf.open(t, tf.passKey())
	importMessages(t, v, testMessages(30, "third"))
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	tf.write(t, ManifestFile, tf.oldManifest)
	tf.expectTamper(t, ManifestFile)
}

func TestTamperPlantedSegment(t *testing.T) {
	tf := newTamperFixture(t)
	m, _ := ReadManifest(tf.dir)
	r, _ := age.ParseHybridRecipient(m.Recipient())
	// A well-formed segment, encrypted to the public vault recipient, with
	// a name of an existing record: age alone would accept it.
	var buf bytes.Buffer
	body := encodeBody(testMessages(1, "evil")[0])
	name := "segments/000001-0009.age"
	if err := sealSegment(&buf, segmentHeader{VaultID: m.VaultID, Epoch: 1, Name: name, Count: 1}, [][]byte{body}, r); err != nil {
		t.Fatal(err)
	}
	tf.write(t, name, buf.Bytes())
	tf.expectTamper(t, name)
	v := tf.open(t, tf.passKey())
	for _, msg := range v.Messages() {
		if msg.Conversation.ID == "evil" {
			t.Fatal("planted message shown")
		}
	}
}

func TestTamperReplacedMemberKeyFile(t *testing.T) {
	tf := newTamperFixture(t)
	m, _ := ReadManifest(tf.dir)
	mem := m.findMember("xena")
	// A key file encrypted to the member's own public recipient, holding
	// an attacker's secret: decrypts fine, but is not what the manifest
	// recorded.
	evil, _ := newEpochKey(m.VaultID, 1)
	r, _, _ := ParseRecipient(mem.Recipient)
	ct, _ := wrap(encodeKeyFile(keyFile{VaultID: m.VaultID, Member: mem.ID, Epoch: 1, Identity: evil.Identity.String()}), r)
	name := mem.keyFiles[1].Name
	tf.write(t, name, ct)
	rep, err := Verify(tf.dir)
	if err != nil || rep.OK() || !strings.Contains(rep.Problems[0].Error(), name) {
		t.Fatalf("Verify: %v %v", err, rep)
	}
	_, err = Unlock(tf.dir, Key{Identities: []age.Identity{tf.x25519}})
	var te *TamperError
	if !errors.As(err, &te) || te.File != name {
		t.Fatalf("unlock: %v, want a tamper error naming %s", err, name)
	}
}

func TestTamperForgedVaultCaughtByPin(t *testing.T) {
	tf := newTamperFixture(t)
	// Anyone can build a whole vault for a member's public recipient, under
	// the real vault's id. This machine pinned the real genesis key.
	m, _ := ReadManifest(tf.dir)
	forged := newLocation(t)
	_, err := initWithID(forged, InitOptions{Recipients: []string{tf.x25519.Recipient().String()}, Auditors: []string{tf.auditor.Recipient().String()}}, m.VaultID)
	var te *TamperError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, "different key") {
		t.Fatalf("forged init: %v", err)
	}
	_, err = Unlock(forged, Key{Identities: []age.Identity{tf.x25519}})
	if !errors.As(err, &te) || te.File != ManifestFile {
		t.Fatalf("unlock of a forged vault: %v", err)
	}
}

// TestJunkNamedBeyondTheManifest: a file named for a record far beyond
// the manifest is rollback evidence only on a machine with no pin of the
// vault. Where the pin agrees with the manifest it is junk: unlock goes
// on with a warning naming it, and Verify names it as an unknown file,
// not the manifest as rolled back.
func TestJunkNamedBeyondTheManifest(t *testing.T) {
	const junk = "segments/000099-0000.age"
	for _, tc := range []struct {
		name   string
		pinned bool
	}{
		{"pin agrees with the manifest", true},
		{"no pin on this machine", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tf := newTamperFixture(t) // its imports pinned the manifest
			tf.write(t, junk, []byte("not a segment"))
			if !tc.pinned {
				t.Setenv("COFFER_STATE_DIR", t.TempDir())
			}
			v, err := Unlock(tf.dir, tf.passKey())
			if tc.pinned {
				if err != nil {
					t.Fatalf("unlock: %v", err)
				}
				if err := v.Load(nil); err != nil {
					t.Fatalf("load: %v", err)
				}
				if len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0], junk) || !strings.Contains(v.Warnings[0], "junk") {
					t.Errorf("warnings %q, want one naming %s as junk", v.Warnings, junk)
				}
			} else {
				var te *TamperError
				if !errors.As(err, &te) || te.File != ManifestFile ||
					!strings.Contains(te.Reason, junk) || !strings.Contains(te.Reason, "no pin") {
					t.Fatalf("unlock: %v, want the manifest named as possibly rolled back, for %s, with no pin", err, junk)
				}
				// Refused, so not pinned either: trying again must not pass.
				if _, err := Unlock(tf.dir, tf.passKey()); !errors.As(err, &te) {
					t.Fatalf("second unlock: %v, want it refused again", err)
				}
			}

			rep, err := Verify(tf.dir)
			if err != nil {
				t.Fatal(err)
			}
			found := append(rep.Problems, rep.Unknown...)
			if len(found) != 1 || tc.pinned != (len(rep.Unknown) == 1) {
				t.Fatalf("Verify problems %v, unknown %v: want the junk unknown when pinned, the manifest a problem when not", rep.Problems, rep.Unknown)
			}
			var te *TamperError
			if !errors.As(found[0], &te) {
				t.Fatalf("Verify: %v", found[0])
			}
			if tc.pinned && (te.File != junk || !strings.Contains(te.Reason, "unknown file") || strings.Contains(te.Reason, "rolled back,")) {
				t.Errorf("Verify: %v, want %s named as an unknown file", te, junk)
			}
			if !tc.pinned && (te.File != ManifestFile || !strings.Contains(te.Reason, "rolled back")) {
				t.Errorf("Verify: %v, want the manifest named as possibly rolled back", te)
			}
		})
	}
}
