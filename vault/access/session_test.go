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
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
	"coffer/vault/store"
)

// testVault is a vault with one X25519 member and an auditor, holding
// msgs, imported through access like coffer does.
type testVault struct {
	dir     string
	member  *age.X25519Identity
	auditor *age.X25519Identity
	ids     []string // the messages' ids, in the order given
}

func newTestVault(t testing.TB, msgs []*vault.Message) *testVault {
	t.Helper()
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	member, _ := age.GenerateX25519Identity()
	auditor, _ := age.GenerateX25519Identity()
	tv := &testVault{dir: filepath.Join(t.TempDir(), "v"), member: member, auditor: auditor}
	_, err := vault.Init(tv.dir, vault.InitOptions{Name: "test", Recipients: []string{member.Recipient().String()},
		RecipientNames: []string{"rita"}, Auditors: []string{auditor.Recipient().String()}})
	if err != nil {
		t.Fatal(err)
	}
	s := tv.open(t)
	im, err := s.Import([]string{"/some/where/export.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := im.Add(m); err != nil {
			t.Fatal(err)
		}
		tv.ids = append(tv.ids, m.ID)
	}
	if _, err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(audit.LockExit); err != nil {
		t.Fatal(err)
	}
	return tv
}

// open unlocks and loads the vault as its member.
func (tv *testVault) open(t testing.TB) *access.Session {
	t.Helper()
	s := tv.unlock(t)
	if err := s.Load(nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// unlock unlocks the vault as its member, loading nothing.
func (tv *testVault) unlock(t testing.TB) *access.Session {
	t.Helper()
	m, err := vault.ReadManifest(tv.dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := access.Open(tv.dir, m, index.Engine{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Unlock(vault.Key{Identities: []age.Identity{tv.member}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Lock(audit.LockExit) })
	return s
}

// openIndexed is open with the search index built.
func (tv *testVault) openIndexed(t testing.TB) *access.Session {
	t.Helper()
	s := tv.open(t)
	if err := s.OpenIndex(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// events returns the trail's events since the n-th, as the auditor reads
// them (in order within a session; the tests use one session at a time).
func (tv *testVault) events(t *testing.T) []audit.Event {
	t.Helper()
	evs, err := audit.Read(store.Dir(tv.dir), []age.Identity{tv.auditor}, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// last returns the events of the newest session.
func (tv *testVault) last(t *testing.T) []audit.Event {
	evs := tv.events(t)
	var out []audit.Event
	for _, e := range evs {
		if e.Session == evs[len(evs)-1].Session {
			out = append(out, e)
		}
	}
	return out
}

func messages(n int) []*vault.Message {
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var out []*vault.Message
	for i := range n {
		conv := "wa:desk"
		if i%2 == 1 {
			conv = "wa:family"
		}
		out = append(out, &vault.Message{Source: "whatsapp", Conversation: vault.Conversation{ID: conv, Title: "T " + conv},
			Sender: []string{"Ann", "Bob", "Cy"}[i%3], Time: base.Add(time.Duration(i) * time.Minute),
			Body: fmt.Sprintf("message %d about lunch", i)})
	}
	return out
}

// TestRecordedBeforeReturned calls every method that hands out content
// and checks the audit event it wrote before returning it: what was
// disclosed, with the titles and senders that were shown, so that an
// auditor reads them from the trail alone.
func TestRecordedBeforeReturned(t *testing.T) {
	msgs := messages(6)
	tv := newTestVault(t, msgs)
	s := tv.openIndexed(t)
	ctx := context.Background()
	sent := func(from, to int) []audit.Sent {
		var out []audit.Sent
		for _, m := range msgs[from:to] {
			out = append(out, audit.Sent{Sender: m.Sender, Time: m.Time})
		}
		return out
	}
	type check struct {
		name string
		call func() (any, error)
		want audit.Event // the fields that matter; Action always
	}
	checks := []check{
		{"conversations", func() (any, error) { return s.Conversations() },
			audit.Event{Action: audit.ActionViewConversationList, Count: 2}},
		{"view a conversation", func() (any, error) { return s.View("wa:desk", tv.ids[:2]) },
			audit.Event{Action: audit.ActionViewConversation, Conversation: "wa:desk", Title: "T wa:desk", Messages: tv.ids[:2], Sent: sent(0, 2)}},
		{"view hits", func() (any, error) { return s.View("", tv.ids[2:3]) },
			audit.Event{Action: audit.ActionViewMessages, Messages: tv.ids[2:3], Sent: sent(2, 3)}},
		{"detail", func() (any, error) { return s.Detail(tv.ids[4]) },
			audit.Event{Action: audit.ActionViewMessage, Conversation: "wa:desk", Title: "T wa:desk", Messages: tv.ids[4:5], Sent: sent(4, 5)}},
		{"search, hits shown later", func() (any, error) {
			return s.Search(ctx, "lunch", access.Request{Sort: access.Oldest, Limit: 2}, false)
		}, audit.Event{Action: audit.ActionSearch, Query: "lunch", Results: 6}},
		{"search, page shown, facets", func() (any, error) {
			return s.Search(ctx, "lunch", access.Request{Sort: access.Oldest, Limit: 1, Facets: true}, true)
		}, audit.Event{Action: audit.ActionSearch, Query: "lunch", Results: 6, Messages: tv.ids[:1], Sent: sent(0, 1), Detail: access.DetailFacets}},
		{"stats", func() (any, error) { return s.Stats("stats") },
			audit.Event{Action: audit.ActionViewConversationList, Detail: "stats", Count: 2}},
		{"export", func() (any, error) { var b bytes.Buffer; _, err := s.Export(&b, "out.jsonl"); return b.String(), err },
			audit.Event{Action: audit.ActionExport, Target: "out.jsonl", Count: 6}},
		{"tag", func() (any, error) { return s.Tag(true, "hot", tv.ids[:3]) },
			audit.Event{Action: audit.ActionTagAdd, Tag: "hot", Messages: tv.ids[:3], Sent: sent(0, 3)}},
		{"save a search", func() (any, error) { return nil, s.SaveSearch("lunches", "lunch from:ann") },
			audit.Event{Action: audit.ActionSavedAdd, Target: "lunches", Query: "lunch from:ann"}},
		{"run a saved search, page shown", func() (any, error) {
			return s.SearchSaved(ctx, "lunches", access.Request{Sort: access.Oldest, Limit: 1}, true)
		}, audit.Event{Action: audit.ActionSearch, Target: "lunches", Query: "lunch from:ann", Results: 2, Messages: tv.ids[:1], Sent: sent(0, 1)}},
		{"remove a saved search", func() (any, error) { return nil, s.RemoveSearch("lunches") },
			audit.Event{Action: audit.ActionSavedRemove, Target: "lunches", Query: "lunch from:ann"}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.call(); err != nil {
				t.Fatal(err)
			}
			evs := tv.last(t)
			got := evs[len(evs)-1]
			if got.Action != c.want.Action || got.Conversation != c.want.Conversation || got.Query != c.want.Query ||
				got.Results != c.want.Results || got.Tag != c.want.Tag || got.Target != c.want.Target ||
				got.Count != c.want.Count || got.Detail != c.want.Detail || !slices.Equal(got.Messages, c.want.Messages) ||
				got.Title != c.want.Title || !slices.EqualFunc(got.Sent, c.want.Sent, sameSent) {
				t.Errorf("recorded %+v\nwant      %+v", got, c.want)
			}
		})
	}
	// An unknown id is refused before anything is recorded, by a tag as
	// by a view.
	before := len(tv.last(t))
	if _, err := s.Tag(true, "hot", []string{tv.ids[0], "nope"}); err == nil {
		t.Error("tagged an unknown id")
	}
	if after := len(tv.last(t)); after != before {
		t.Errorf("a refused tag wrote %d events", after-before)
	}
}

func sameSent(a, b audit.Sent) bool { return a.Sender == b.Sender && a.Time.Equal(b.Time) }

// TestFailsClosed: once nothing can be recorded, every method that hands
// out content returns nothing and says why, and nothing changes.
func TestFailsClosed(t *testing.T) {
	tv := newTestVault(t, messages(4))
	s := tv.openIndexed(t)
	ctx := context.Background()
	if err := s.SaveSearch("kept", "lunch"); err != nil {
		t.Fatal(err)
	}
	if err := s.InterruptAudit(); err != nil {
		t.Fatal(err)
	}
	var export bytes.Buffer
	calls := map[string]func() (any, error){
		"conversations": func() (any, error) { return s.Conversations() },
		"view":          func() (any, error) { return s.View("wa:desk", tv.ids[:1]) },
		"detail":        func() (any, error) { return s.Detail(tv.ids[0]) },
		"search":        func() (any, error) { return s.Search(ctx, "lunch", access.Request{Facets: true}, true) },
		"stats":         func() (any, error) { return s.Stats("") },
		"export":        func() (any, error) { _, err := s.Export(&export, "x"); return nil, err },
		"tag":           func() (any, error) { return s.Tag(true, "hot", tv.ids[:1]) },
		"member add":    func() (any, error) { return s.AddMember("eve", "", tv.member.Recipient().String()) },
		"ingest key":    func() (any, error) { _, k, err := s.NewIngestKey("gw"); return k, err },
		"import":        func() (any, error) { return s.Import([]string{"x"}) },
		"save search":   func() (any, error) { return nil, s.SaveSearch("x", "lunch") },
		"saved search":  func() (any, error) { return s.SearchSaved(ctx, "kept", access.Request{}, true) },
		"remove saved":  func() (any, error) { return nil, s.RemoveSearch("kept") },
	}
	for name, call := range calls {
		v, err := call()
		if !errors.Is(err, access.ErrNotRecorded) {
			t.Errorf("%s: err %v, want ErrNotRecorded", name, err)
		}
		if v != nil && !isNil(v) {
			t.Errorf("%s returned %v without a record", name, v)
		}
	}
	if export.Len() > 0 {
		t.Errorf("export wrote %d bytes without a record", export.Len())
	}
	if ts := s.Tags(); len(ts) != 0 {
		t.Errorf("tags changed without a record: %v", ts)
	}
	if ss, err := s.SavedSearches(); err != nil || len(ss) != 1 || ss[0].Name != "kept" {
		t.Errorf("saved searches changed without a record: %v %v", ss, err)
	}
	if n := len(s.Manifest().Members); n != 1 {
		t.Errorf("%d members after an unrecorded add", n)
	}
}

func isNil(v any) bool {
	switch v := v.(type) {
	case *access.Directory:
		return v == nil
	case []*vault.Message:
		return v == nil
	case *vault.Message:
		return v == nil
	case *access.Results:
		return v == nil
	case map[string][]string:
		return v == nil
	case *vault.Member:
		return v == nil
	case *vault.IngestKey:
		return v == nil
	case *access.Import:
		return v == nil
	case vault.Stats:
		return v.Messages == 0 && v.Conversations == nil
	}
	return false
}

// TestLongListsSplit: an event listing more ids than fit in one record is
// written as several, all before the content is returned.
func TestLongListsSplit(t *testing.T) {
	tv := newTestVault(t, messages(5000))
	s := tv.open(t)
	if _, err := s.View("", tv.ids); err != nil {
		t.Fatal(err)
	}
	var ids []string
	parts := 0
	for _, e := range tv.last(t) {
		if e.Action == audit.ActionViewMessages {
			ids = append(ids, e.Messages...)
			parts++
		}
	}
	if parts < 2 || !slices.Equal(ids, tv.ids) {
		t.Fatalf("%d events with %d ids, want several listing all %d in order", parts, len(ids), len(tv.ids))
	}
}

// TestLongNamesBounded: the archive's senders and titles are untrusted
// and unbounded, so what an event records of them is cut; and however
// many ids a view lists, it is recorded in events that fit a record. A
// name too long to record must not keep its messages from being shown.
func TestLongNamesBounded(t *testing.T) {
	msgs := messages(3000)
	long := strings.Repeat("<\x01é", 256) // escaped in JSON: six bytes a byte
	for _, m := range msgs {
		m.Sender, m.Conversation.Title = long, long
	}
	tv := newTestVault(t, msgs)
	s := tv.open(t)
	if _, err := s.View("wa:desk", tv.ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Detail(tv.ids[0]); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range tv.last(t) {
		if e.Action != audit.ActionViewConversation && e.Action != audit.ActionViewMessage {
			continue
		}
		if len(e.Sent) != len(e.Messages) {
			t.Fatalf("%s: %d senders for %d ids", e.Action, len(e.Sent), len(e.Messages))
		}
		if n := len(e.Title); n > 256 || !strings.HasPrefix(long, strings.TrimSuffix(e.Title, "…")) {
			t.Errorf("%s: title of %d bytes, want at most 256, cut from the conversation's", e.Action, n)
		}
		for _, x := range e.Sent {
			if n := len(x.Sender); n > 128 || !utf8.ValidString(x.Sender) || !strings.HasSuffix(x.Sender, "…") {
				t.Fatalf("%s: sender of %d bytes (%q), want at most 128, cut at a character", e.Action, n, x.Sender)
			}
		}
		if e.Action == audit.ActionViewConversation {
			ids = append(ids, e.Messages...)
		}
	}
	if !slices.Equal(ids, tv.ids) {
		t.Fatalf("the view's events list %d ids, want all %d in order", len(ids), len(tv.ids))
	}
}

// TestChangesRecordedFirst: imports, members, ingest keys, compaction and
// unlock attempts are recorded before they happen, and their outcome
// after.
func TestChangesRecordedFirst(t *testing.T) {
	tv := newTestVault(t, messages(3))
	actions := func(evs []audit.Event) string {
		var out []string
		for _, e := range evs {
			a := string(e.Action)
			if e.Reason != "" {
				a += "/" + e.Reason
			}
			out = append(out, a)
		}
		return strings.Join(out, " ")
	}
	if got, want := actions(tv.events(t)), "session session unlock import import/committed lock/exit"; got != want {
		t.Errorf("import: %q, want %q", got, want)
	}

	m, _ := vault.ReadManifest(tv.dir)
	g, err := access.Open(tv.dir, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := g.Unlock(vault.Key{Identities: []age.Identity{other}}); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := g.Unlock(vault.Key{Passphrases: []string{"guess"}}); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	s, err := g.Unlock(vault.Key{Identities: []age.Identity{tv.member}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(nil); err != nil {
		t.Fatal(err)
	}
	im, err := s.Import([]string{"bad.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Abort("bad.jsonl:3: malformed JSON"); err != nil {
		t.Fatal(err)
	}
	carol, _ := age.GenerateX25519Identity()
	if _, err := s.AddMember("carol", "", carol.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveMember("nobody"); err == nil {
		t.Fatal("removing an unknown member succeeded")
	}
	if _, err := s.RemoveMember("carol"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.NewIngestKey("gw"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeIngestKey("gw"); err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(audit.LockPipe); err != nil {
		t.Fatal(err)
	}
	want := "session unlock-failed/wrong identity unlock-failed/wrong passphrase session unlock import import/aborted member-add member-remove member-remove/failed member-remove ingest-key ingest-key lock/pipe-closed"
	if got := actions(tv.last(t)); got != want {
		t.Errorf("session:\n got %q\nwant %q", got, want)
	}
	if _, err := s.Conversations(); !errors.Is(err, access.ErrLocked) {
		t.Errorf("after Lock: %v, want ErrLocked", err)
	}
	// Every change's manifest record names its announcement, so the
	// trail verifies against the manifest; the aborted import is noted.
	rep, err := vault.VerifyTrail(tv.dir, []age.Identity{tv.auditor}, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify against the manifest: %v %+v", err, rep)
	}
	if len(rep.Notes) != 2 { // the aborted import and the refused removal
		t.Errorf("notes %q, want the aborted import and the refused removal", rep.Notes)
	}
}

// TestLoadFailureLocks: a vault that fails to decrypt after the unlock (a
// segment changed under it) is locked by Load: nothing of it stays in
// memory, later calls say so, and the session's end is recorded.
func TestLoadFailureLocks(t *testing.T) {
	tv := newTestVault(t, messages(3))
	m, _ := vault.ReadManifest(tv.dir)
	g, err := access.Open(tv.dir, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Unlock(vault.Key{Identities: []age.Identity{tv.member}})
	if err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(tv.dir, "segments", "*"))
	b, _ := os.ReadFile(segs[0])
	b[len(b)/2] ^= 1
	os.WriteFile(segs[0], b, 0o600)
	var te *vault.TamperError
	if err := s.Load(nil); !errors.As(err, &te) {
		t.Fatalf("Load of a changed segment: %v, want a TamperError", err)
	}
	if _, err := s.Conversations(); !errors.Is(err, access.ErrLocked) {
		t.Errorf("after a failed Load: %v, want ErrLocked", err)
	}
	evs := tv.last(t)
	if e := evs[len(evs)-1]; e.Action != audit.ActionLock || e.Reason != audit.LockExit {
		t.Errorf("last event %s/%s, want lock/exit", e.Action, e.Reason)
	}
}
