package vault

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"coffer/vault/audit"

	"filippo.io/age"
)

var writeSeeds = flag.Bool("seeds", false, "rewrite the fuzz seed files under testdata/")

// TestWriteSeeds writes the fuzz seeds from a real vault when run with
// -seeds; otherwise it checks that they still decode.
func TestWriteSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -seeds to rewrite testdata seeds")
	}
	f := newFixture(t)
	v := f.open(t, f.passKey())
	msgs := testMessages(3, "seed")
	msgs[0].Attachments = []Attachment{{Name: "a.txt", Content: []byte("hi")}}
	msgs[1].Edited = &msgs[1].Time
	msgs[2].Reactions = []Reaction{{Emoji: "👍", By: "Ann"}, {Emoji: ":tada:", Count: 3}}
	importMessages(t, v, msgs)
	m := rawRead(t, f.dir, ManifestFile)
	write(t, "manifest/vault.manifest", m)
	body := encodeBody(v.Messages()...)
	write(t, "segment-body/three.bin", body)
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	sealSegment(&buf, segmentHeader{VaultID: "seedvault", Epoch: 1, Name: "segments/000001-0000.age", Count: 3}, [][]byte{body}, id.Recipient())
	write(t, "segment/three.age", buf.Bytes())
	write(t, "segment-identity.txt", []byte(id.String()+"\n")) // a test key: protects nothing

	// A manifest with a reindex record (two indexed imports compacted).
	g := newFixture(t)
	w := g.open(t, Key{Identities: g.key()})
	importIndexed(t, w, testMessages(2, "one"), textIndexer)
	importIndexed(t, w, testMessages(2, "two"), textIndexer)
	if err := reload(w); err != nil {
		t.Fatal(err)
	}
	if _, err := w.CompactIndex(textIndexer, 100, 2, nil); err != nil {
		t.Fatal(err)
	}
	m = rawRead(t, g.dir, ManifestFile)
	write(t, "manifest/reindex.manifest", m)

	// A manifest whose changes link their audit announcements.
	tf := newTrailFixture(t)
	tf.memberImport("one")
	tf.addMember("nora", tf.announce(audit.ActionMemberAdd))
	if _, err := tf.v.RemoveMember("nora", tf.announce(audit.ActionMemberRemove)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tf.v.NewIngestKey("capture", tf.announce(audit.ActionIngestKey)); err != nil {
		t.Fatal(err)
	}
	m = rawRead(t, tf.dir, ManifestFile)
	write(t, "manifest/linked.manifest", m)

	// A manifest with journal records: tags and saved searches.
	h := newFixture(t)
	x := h.open(t, Key{Identities: h.key()})
	importMessages(t, x, testMessages(2, "journal"))
	if err := x.ApplyTag(true, "hot", []string{x.Messages()[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := x.AddSaved("hot", "tag:hot"); err != nil {
		t.Fatal(err)
	}
	if err := x.RemoveSaved("hot"); err != nil {
		t.Fatal(err)
	}
	m = rawRead(t, h.dir, ManifestFile)
	write(t, "manifest/journals.manifest", m)
}

func write(t *testing.T, name string, data []byte) {
	p := filepath.Join("testdata", name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
