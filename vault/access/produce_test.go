package access_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
	"coffer/vault/production"
)

// canaryMessages are messages with canary strings in every field and
// attachment, for scans of what reaches disk.
func canaryMessages(n int) []*vault.Message {
	msgs := messages(n)
	for i, m := range msgs {
		m.Body += " CanaryBody7731"
		m.Subject = "CanarySubject3381"
		if i%2 == 0 {
			m.Attachments = []vault.Attachment{{Name: "CanaryAttachName.txt", Content: []byte(strings.Repeat("CanaryAttachContent ", 20) + fmt.Sprint(i))}}
		}
	}
	return msgs
}

var canaries = []string{"CanaryBody7731", "CanarySubject3381", "CanaryAttachName", "CanaryAttachContent"}

// scan fails t for each file under roots holding a canary in plaintext.
func scan(t *testing.T, roots ...string) {
	t.Helper()
	for _, root := range roots {
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			data, _ := os.ReadFile(p)
			lower := bytes.ToLower(data)
			for _, c := range canaries {
				if bytes.Contains(lower, []byte(strings.ToLower(c))) {
					t.Errorf("%s holds canary %q in plaintext", p, c)
				}
			}
			return nil
		})
	}
}

// TestProduceRecorded: a production is announced, its every id recorded
// with the number range before the file is written, then its outcome;
// the numbers continue in the next production; the package verifies
// against the vault; audit verification finds each production's record;
// and no plaintext reaches disk, in the vault, beside the package or in
// TMPDIR.
func TestProduceRecorded(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	msgs := canaryMessages(6)
	tv := newTestVault(t, msgs)
	s := tv.openIndexed(t)
	ctx := context.Background()
	hot := []string{tv.ids[0], tv.ids[1], tv.ids[4]}
	if _, err := s.Tag(true, "hot", hot); err != nil {
		t.Fatal(err)
	}
	receiver, _ := age.GenerateX25519Identity()
	outDir := t.TempDir()
	out := filepath.Join(outDir, "PROD-001.age")
	before := len(tv.last(t))
	res, err := s.Produce(ctx, access.ProduceRequest{Query: "tag:hot", Recipients: []string{receiver.Recipient().String()}, Prefix: "ABC", Out: out})
	if err != nil {
		t.Fatal(err)
	}
	// Messages 0 and 4 have an attachment each: 5 numbers.
	if res.First != "ABC0000001" || res.Last != "ABC0000005" || res.Messages != 3 || res.Attachments != 2 || res.Documents != 5 {
		t.Errorf("production %+v", res)
	}
	evs := tv.last(t)[before:]
	to := "to " + receiver.Recipient().String()
	want := []audit.Event{
		{Action: audit.ActionProduce, Intent: true, Query: "tag:hot", Count: 3, Target: out, Detail: to},
		{Action: audit.ActionProduce, Query: "tag:hot", Count: 3, Target: out, Detail: "ABC0000001-ABC0000005 " + to, Messages: hot,
			Sent: []audit.Sent{{Sender: msgs[0].Sender, Time: msgs[0].Time}, {Sender: msgs[1].Sender, Time: msgs[1].Time}, {Sender: msgs[4].Sender, Time: msgs[4].Time}}},
		{Action: audit.ActionProduce, Reason: audit.ReasonCommitted, Query: "tag:hot", Count: 3, Target: out,
			Detail: "ABC0000001-ABC0000005, 5 documents, sha256 " + res.SHA256},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		g := evs[i]
		if g.Action != w.Action || g.Intent != w.Intent || g.Reason != w.Reason || g.Query != w.Query || g.Count != w.Count ||
			g.Target != w.Target || g.Detail != w.Detail || !slices.Equal(g.Messages, w.Messages) || !slices.EqualFunc(g.Sent, w.Sent, sameSent) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	m, err := vault.ReadManifest(tv.dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := production.Verify(f, []age.Identity{receiver}, production.Pin{Vault: m})
	f.Close()
	if err != nil || !rep.OK() || rep.Pinned != "vault" || rep.Manifest.Query != "tag:hot" || !rep.Key.Equal(res.Key) {
		t.Fatalf("verify: %v %+v", err, rep)
	}

	// The next production continues the numbers.
	res2, err := s.Produce(ctx, access.ProduceRequest{Query: "tag:hot", Recipients: []string{receiver.Recipient().String()}, Prefix: "ABC", Out: out + "2"})
	if err != nil || res2.First != "ABC0000006" || res2.Last != "ABC0000010" {
		t.Fatalf("second production: %v %+v", err, res2)
	}
	// An existing file is refused before anything is recorded.
	n := len(tv.last(t))
	if _, err := s.Produce(ctx, access.ProduceRequest{Query: "tag:hot", Recipients: []string{receiver.Recipient().String()}, Out: out}); err == nil {
		t.Error("overwrote a production")
	}
	if _, err := s.Produce(ctx, access.ProduceRequest{Query: "tag:nothing", Recipients: []string{receiver.Recipient().String()}, Out: out + "3"}); err == nil {
		t.Error("produced nothing")
	}
	if len(tv.last(t)) != n {
		t.Error("a refused production recorded events")
	}
	// A failure after the numbers are reserved (ABC0000011 does not fit
	// in 1 digit) is recorded; the numbers stay used, nothing is written.
	if _, err := s.Produce(ctx, access.ProduceRequest{Query: "tag:hot", Recipients: []string{receiver.Recipient().String()}, Prefix: "ABC", Digits: 1, Out: out + "4"}); err == nil ||
		!strings.Contains(err.Error(), "numbers ABC11-ABC15 stay reserved, unused") {
		t.Errorf("produced 11 to 15 in 1 digit: %v", err)
	}
	if evs := tv.last(t)[n:]; len(evs) != 3 || !evs[0].Intent || evs[1].Detail != "ABC11-ABC15 "+to || evs[2].Reason != "failed" || evs[2].Target != out+"4" {
		t.Errorf("a failed production recorded %+v", evs)
	}
	if _, err := os.Stat(out + "4"); err == nil {
		t.Error("a failed production left its file")
	}
	if res3, err := s.Produce(ctx, access.ProduceRequest{Query: "tag:hot", Recipients: []string{receiver.Recipient().String()}, Prefix: "ABC", Out: out + "5"}); err != nil || res3.First != "ABC0000016" {
		t.Errorf("after a failure: %v %+v", err, res3)
	}
	if err := s.Lock(audit.LockExit); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.VerifyTrail(tv.dir, []age.Identity{tv.auditor}, nil); err != nil {
		t.Errorf("audit verify: %v", err)
	}
	scan(t, tv.dir, outDir, tmp, os.Getenv("COFFER_STATE_DIR"))
}

// TestProduceFailsClosed: when nothing can be recorded, nothing is
// reserved or written.
func TestProduceFailsClosed(t *testing.T) {
	tv := newTestVault(t, messages(4))
	s := tv.openIndexed(t)
	seq := s.Manifest().Seq()
	if err := s.InterruptAudit(); err != nil {
		t.Fatal(err)
	}
	receiver, _ := age.GenerateX25519Identity()
	out := filepath.Join(t.TempDir(), "p.age")
	_, err := s.Produce(context.Background(), access.ProduceRequest{Query: "lunch", Recipients: []string{receiver.Recipient().String()}, Out: out})
	if !errors.Is(err, access.ErrNotRecorded) {
		t.Errorf("err %v, want ErrNotRecorded", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("wrote %s without a record", out)
	}
	if m, _ := vault.ReadManifest(tv.dir); m.Seq() != seq {
		t.Errorf("reserved numbers without a record")
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 0 {
		t.Errorf("left %d files", len(ents))
	}
}
