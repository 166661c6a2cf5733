package audit_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"

	"filippo.io/age"
)

// TestReviewerCannotRead: the reviewer's key (the vault/member key)
// appends but does not open the trail, its own session included.
func TestReviewerCannotRead(t *testing.T) {
	st := store.Dir(t.TempDir())
	k := newKeys(t)
	l := open(t, st, k)
	appendN(t, l, 3)
	l.Close(audit.LockExit)
	for _, ids := range [][]age.Identity{{k.reviewer}, nil} {
		if _, err := audit.Read(st, ids, audit.Filter{}); !errors.Is(err, audit.ErrNotAuditor) {
			t.Errorf("read with %d reviewer identities: %v, want ErrNotAuditor", len(ids), err)
		}
		if _, err := audit.Verify(st, ids, nil); !errors.Is(err, audit.ErrNotAuditor) {
			t.Errorf("verify: %v, want ErrNotAuditor", err)
		}
	}
	if _, err := audit.Read(st, k.ids(), audit.Filter{}); err != nil {
		t.Fatal(err)
	}
}

// TestAuditorCannotReadMessages: the auditor's key is a different key
// from the vault's; what is encrypted to the vault does not open with it.
func TestAuditorCannotReadMessages(t *testing.T) {
	k := newKeys(t)
	var seg bytes.Buffer
	w, _ := age.Encrypt(&seg, k.reviewer.Recipient()) // the vault recipient
	io.WriteString(w, "message body")
	w.Close()
	if _, err := age.Decrypt(bytes.NewReader(seg.Bytes()), k.auditor); err == nil {
		t.Fatal("auditor key decrypted a vault segment")
	}
}

// TestNoPlaintext writes events full of canaries and scans every byte
// under the folder for them.
func TestNoPlaintext(t *testing.T) {
	dir := t.TempDir()
	st := store.Dir(dir)
	k := newKeys(t)
	canaries := []string{"CanaryQuery7731", "CanaryTag5512", "CanaryConv0042", "CanaryMsgId9090",
		"CanaryMember3131", "CanaryFpr2727", "CanaryFile8484", "CanaryBody1111"}
	l, err := audit.Open(st, k.recipients(), audit.Actor{Member: canaries[4], Fingerprint: canaries[5]})
	if err != nil {
		t.Fatal(err)
	}
	l.Append(audit.Event{Action: audit.ActionSearch, Query: canaries[0]})
	l.Append(audit.Event{Action: audit.ActionTagAdd, Tag: canaries[1], Messages: []string{canaries[3]}})
	l.Append(audit.Event{Action: audit.ActionViewConversation, Conversation: canaries[2], Messages: []string{canaries[3]}, Detail: canaries[7]})
	l.Append(audit.Event{Action: audit.ActionExport, Target: canaries[6], Count: 1})
	l.Close(audit.LockIdle)
	// A second session reads the first's framing and records its head.
	open(t, st, k).Close(audit.LockExit)

	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b := readFile(t, p)
		low := bytes.ToLower(b)
		for _, c := range canaries {
			if bytes.Contains(b, []byte(c)) || bytes.Contains(low, []byte(strings.ToLower(c))) {
				t.Errorf("%s holds %q in plaintext", p, c)
			}
		}
		return nil
	})
	evs, err := audit.Read(st, k.ids(), audit.Filter{Action: audit.ActionSearch})
	if err != nil || len(evs) != 1 || evs[0].Query != canaries[0] {
		t.Fatalf("auditor read: %v %+v", err, evs)
	}
}

// TestPadding: events whose content differs in length within a block
// produce records of the same size.
func TestPadding(t *testing.T) {
	dir := t.TempDir()
	k := newKeys(t)
	l := open(t, store.Dir(dir), k)
	for _, q := range []string{"a", strings.Repeat("b", 60)} {
		if err := l.Append(audit.Event{Action: audit.ActionSearch, Query: q}); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := audit.Records(readFile(t, file(dir, l)))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := rs[len(rs)-2].Len, rs[len(rs)-1].Len; a != b {
		t.Fatalf("records of %d and %d bytes: the length of the query shows", a, b)
	}
	l.Close(audit.LockExit)
}
