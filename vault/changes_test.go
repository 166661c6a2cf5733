package vault

import (
	"errors"
	"strings"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"

	"filippo.io/age"
)

// trailFixture is a vault with an auditor and a member session that
// records as coffer does: an announcement before each change, whose link
// the change's manifest record carries.
type trailFixture struct {
	*fixture
	v   *Vault
	log *audit.Log
	t   *testing.T
}

func newTrailFixture(t *testing.T) *trailFixture {
	t.Helper()
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	tf := &trailFixture{fixture: newFixture(t), t: t}
	tf.v = tf.open(t, tf.passKey())
	tf.session("alice")
	return tf
}

// session closes the current session, if any, and starts another.
func (tf *trailFixture) session(member string) *audit.Log {
	tf.t.Helper()
	if tf.log != nil {
		tf.log.Close(audit.LockExit)
	}
	l, err := audit.Open(testStore(tf.t, tf.dir), []age.Recipient{tf.auditor.Recipient()}, audit.Actor{Member: member})
	if err != nil {
		tf.t.Fatal(err)
	}
	tf.log = l
	tf.t.Cleanup(func() { l.Close(audit.LockExit) })
	return l
}

func (tf *trailFixture) announce(a audit.Action) audit.Link {
	tf.t.Helper()
	l, err := tf.log.Announce(audit.Event{Action: a})
	if err != nil {
		tf.t.Fatal(err)
	}
	return l
}

func (tf *trailFixture) append(e audit.Event) {
	tf.t.Helper()
	if err := tf.log.Append(e); err != nil {
		tf.t.Fatal(err)
	}
}

// importLinked imports msgs as `coffer import` does: announce, commit the
// record carrying the link, then record it as committed (unless crash).
func (tf *trailFixture) importLinked(a *Appender, link audit.Link, conv string, crash bool) {
	tf.t.Helper()
	a.SetAnnouncement(link)
	for _, m := range testMessages(5, conv) {
		if _, err := a.Add(m); err != nil {
			tf.t.Fatal(err)
		}
	}
	st, err := a.Commit()
	if err != nil {
		tf.t.Fatal(err)
	}
	if !crash {
		tf.append(audit.Event{Action: audit.ActionImport, Reason: "committed", Count: st.Added})
	}
}

func (tf *trailFixture) memberImport(conv string) {
	tf.t.Helper()
	link := tf.announce(audit.ActionImport)
	a, err := tf.v.NewAppender()
	if err != nil {
		tf.t.Fatal(err)
	}
	tf.importLinked(a, link, conv, false)
	if err := reload(tf.v); err != nil {
		tf.t.Fatal(err)
	}
}

func (tf *trailFixture) addMember(name string, link audit.Link) {
	tf.t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		tf.t.Fatal(err)
	}
	if _, err := tf.v.AddMember(name, "", id.Recipient().String(), link); err != nil {
		tf.t.Fatal(err)
	}
}

func (tf *trailFixture) removeSession(l *audit.Log) {
	tf.t.Helper()
	l.Close(audit.LockExit)
	rawRemoveTree(tf.t, tf.dir, l.Name())
}

// TestVerifyTrailAgainstManifest: every change the signed manifest records
// must have its announcement in the trail; deleting the trail, or the
// session of one change, fails naming the record; crashes and abandoned
// changes do not.
func TestVerifyTrailAgainstManifest(t *testing.T) {
	// The fixture's records: 0 genesis, 1-4 members, 5 auditor (Init);
	// changes start at 6.
	const first = 6
	for _, tc := range []struct {
		name string
		do   func(tf *trailFixture)
		// wantRecord is the manifest record the first mismatch names (-1:
		// a mismatch naming an announcement; 0: none expected).
		wantRecord int
		wantDetail string // in the first mismatch
		wantNote   string // in the notes
		mismatches int
	}{
		{name: "intact", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.memberImport("two")
			tf.addMember("nora", tf.announce(audit.ActionMemberAdd))
			if _, err := tf.v.RemoveMember("nora", tf.announce(audit.ActionMemberRemove)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := tf.v.NewIngestKey("capture", tf.announce(audit.ActionIngestKey)); err != nil {
				t.Fatal(err)
			}
			if err := tf.v.RemoveIngestKey("capture", tf.announce(audit.ActionIngestKey)); err != nil {
				t.Fatal(err)
			}
			st, err := tf.v.CompactIndex(textIndexer, 5000, 2, func() (audit.Link, error) { return tf.log.Announce(audit.Event{Action: audit.ActionCompact}) })
			if err != nil || st.Written == 0 {
				t.Fatalf("compaction: %+v, %v", st, err)
			}
			tf.append(audit.Event{Action: audit.ActionCompact, Reason: "committed", Count: st.Messages})
		}},
		{name: "trail deleted", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.addMember("nora", tf.announce(audit.ActionMemberAdd))
			tf.log.Close(audit.LockExit)
			for _, l := range rawNames(t, tf.dir, "audit") {
				if strings.HasSuffix(l, ".log") {
					rawRemoveTree(t, tf.dir, "audit/"+l)
				}
			}
		}, wantRecord: first, wantDetail: "is missing", mismatches: 2},
		{name: "audit folder deleted", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.log.Close(audit.LockExit)
			rawRemoveTree(t, tf.dir, "audit")
		}, wantRecord: first, wantDetail: "the audit folder is missing", mismatches: 1},
		{name: "one session deleted", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.session("bob")
			tf.memberImport("two")
			// No later session saw it: only the manifest can tell.
			tf.removeSession(tf.log)
			tf.log = nil
		}, wantRecord: first + 1, wantDetail: "is missing", mismatches: 1},
		{name: "member add whose session is deleted", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.session("bob")
			tf.addMember("nora", tf.announce(audit.ActionMemberAdd))
			tf.removeSession(tf.log)
			tf.log = nil
		}, wantRecord: first + 1, wantDetail: "is missing", mismatches: 1},
		{name: "member add with no announcement", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.addMember("nora", audit.Link{})
		}, wantRecord: first + 1, wantDetail: "names no audit event, though record 6 before it does", mismatches: 1},
		{name: "crash between the manifest commit and the committed event", do: func(tf *trailFixture) {
			link := tf.announce(audit.ActionImport)
			a, err := tf.v.NewAppender()
			if err != nil {
				t.Fatal(err)
			}
			tf.importLinked(a, link, "one", true)
			// The session ends here, without the committed event or a close.
		}},
		{name: "announced import with no manifest record", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.announce(audit.ActionImport) // then the process died, or the export was malformed
		}, wantNote: "abandoned import"},
		{name: "import of nothing new", do: func(tf *trailFixture) {
			tf.memberImport("one")
			tf.announce(audit.ActionImport)
			tf.append(audit.Event{Action: audit.ActionImport, Reason: "committed", Count: 0})
		}},
		{name: "ingest key imports", do: func(tf *trailFixture) {
			key, _, err := tf.v.NewIngestKey("capture", tf.announce(audit.ActionIngestKey))
			if err != nil {
				t.Fatal(err)
			}
			for _, conv := range []string{"one", "two"} {
				tf.session("ingest key capture")
				link := tf.announce(audit.ActionImport)
				a, err := OpenIngest(tf.dir, key, tf.v.now())
				if err != nil {
					t.Fatal(err)
				}
				tf.importLinked(a, link, conv, false)
			}
		}},
		{name: "ingest key import whose session is deleted", do: func(tf *trailFixture) {
			key, _, err := tf.v.NewIngestKey("capture", tf.announce(audit.ActionIngestKey))
			if err != nil {
				t.Fatal(err)
			}
			tf.session("ingest key capture")
			link := tf.announce(audit.ActionImport)
			a, err := OpenIngest(tf.dir, key, tf.v.now())
			if err != nil {
				t.Fatal(err)
			}
			tf.importLinked(a, link, "one", false)
			tf.removeSession(tf.log)
			tf.log = nil
		}, wantRecord: first + 1, wantDetail: "is missing", mismatches: 1},
		{name: "announcement of another action", do: func(tf *trailFixture) {
			link := tf.announce(audit.ActionSearch)
			a, err := tf.v.NewAppender()
			if err != nil {
				t.Fatal(err)
			}
			tf.importLinked(a, link, "one", false)
		}, wantRecord: first, wantDetail: `records "search", not the announcement of "import"`, mismatches: 1},
		{name: "one announcement claimed twice", do: func(tf *trailFixture) {
			link := tf.announce(audit.ActionImport)
			for _, conv := range []string{"one", "two"} {
				a, err := tf.v.NewAppender()
				if err != nil {
					t.Fatal(err)
				}
				tf.importLinked(a, link, conv, false)
				if err := reload(tf.v); err != nil {
					t.Fatal(err)
				}
			}
		}, wantRecord: first + 1, wantDetail: "announcement of manifest record 6 already", mismatches: 1},
		{name: "committed in the trail, missing from the manifest", do: func(tf *trailFixture) {
			tf.memberImport("one")
			old := rawRead(t, tf.dir, ManifestFile)
			tf.memberImport("two")
			rawWrite(t, tf.dir, ManifestFile, old)
		}, wantRecord: -1, wantDetail: "the manifest is older than the trail", mismatches: 1},
		{name: "records from before links, trail records changes", do: func(tf *trailFixture) {
			// An older coffer: the events, no links.
			tf.append(audit.Event{Action: audit.ActionImport})
			a, err := tf.v.NewAppender()
			if err != nil {
				t.Fatal(err)
			}
			tf.importLinked(a, audit.Link{}, "one", false)
			tf.append(audit.Event{Action: audit.ActionMemberAdd})
			tf.addMember("nora", audit.Link{})
		}, wantNote: "2 vault changes (manifest records 6 to 7) predate audit links"},
		{name: "records from before links, trail deleted", do: func(tf *trailFixture) {
			a, err := tf.v.NewAppender()
			if err != nil {
				t.Fatal(err)
			}
			tf.importLinked(a, audit.Link{}, "one", false)
			tf.removeSession(tf.log)
			tf.session("auditor") // a later session that records no change
		}, wantRecord: first, wantDetail: "the trail records no vault change at all", mismatches: 1},
		{name: "no change, no trail", do: func(tf *trailFixture) {
			tf.log.Close(audit.LockExit)
			rawRemoveTree(t, tf.dir, "audit")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tf := newTrailFixture(t)
			tc.do(tf)
			rep, err := VerifyTrail(tf.dir, []age.Identity{tf.auditor}, nil)
			if tc.name == "no change, no trail" {
				if !errors.Is(err, audit.ErrNoTrail) {
					t.Fatalf("err %v, want ErrNoTrail", err)
				}
				return
			}
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			if len(rep.Problems) > 0 {
				t.Errorf("tamper problems %v", rep.Problems)
			}
			var me *audit.MismatchError
			if tc.wantRecord == 0 {
				if err != nil || !rep.OK() {
					t.Fatalf("err %v, report %+v, want intact", err, rep)
				}
			} else {
				if !errors.As(err, &me) {
					t.Fatalf("err %v, want a *MismatchError", err)
				}
				if len(rep.Mismatches) != tc.mismatches {
					t.Errorf("%d mismatches, want %d: %v", len(rep.Mismatches), tc.mismatches, rep.Mismatches)
				}
				if len(rep.Mismatches) == 0 {
					t.FailNow()
				}
				got := rep.Mismatches[0]
				switch {
				case tc.wantRecord < 0 && got.Change != nil:
					t.Errorf("mismatch %v names a record, want an announcement", got)
				case tc.wantRecord > 0 && (got.Change == nil || got.Change.Record != tc.wantRecord):
					t.Errorf("mismatch %v, want one naming record %d", got, tc.wantRecord)
				}
				if !strings.Contains(got.Error(), tc.wantDetail) {
					t.Errorf("mismatch %q, want it to say %q", got, tc.wantDetail)
				}
			}
			notes := strings.Join(rep.Notes, "\n")
			if tc.wantNote != "" && !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes %q, want %q", notes, tc.wantNote)
			}
			if tc.wantNote == "" && notes != "" {
				t.Errorf("unexpected notes %q", notes)
			}
		})
	}
}

// TestManifestChanges: which records need an announcement, and how they
// are described.
func TestManifestChanges(t *testing.T) {
	tf := newTrailFixture(t)
	tf.memberImport("one")
	tf.addMember("nora", tf.announce(audit.ActionMemberAdd))
	if _, err := tf.v.RemoveMember("nora", tf.announce(audit.ActionMemberRemove)); err != nil {
		t.Fatal(err)
	}
	key, _, err := tf.v.NewIngestKey("capture", tf.announce(audit.ActionIngestKey))
	if err != nil {
		t.Fatal(err)
	}
	link := tf.announce(audit.ActionImport)
	a, err := OpenIngest(tf.dir, key, tf.v.now())
	if err != nil {
		t.Fatal(err)
	}
	tf.importLinked(a, link, "two", false)
	m, err := ReadManifest(tf.dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range m.Changes() {
		if c.Link == nil || c.Link.Session != tf.log.Session() {
			t.Errorf("record %d: link %v, want one into session %s", c.Record, c.Link, tf.log.Session())
		}
		got = append(got, c.What+" by "+c.By+" "+string(c.Action))
	}
	// Removing nora also rotated (record 9) and rewrapped (10-13): part
	// of the removal, not changes of their own.
	want := []string{
		"import by a member import",
		`member add "nora" by a member member-add`,
		`member remove "nora" by a member member-remove`,
		`ingest key add "capture" by a member ingest-key`,
		`import by ingest key "capture" import`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAuditLinkOnlyWhereAllowed: a link is part of the signed record, and
// only on the records that take one.
func TestAuditLinkOnlyWhereAllowed(t *testing.T) {
	f := newFixture(t)
	v := f.open(t, f.passKey())
	good := &audit.Link{Session: "20261127T100200Z-0123456789ab", Entry: 3}
	for _, tc := range []struct {
		name string
		rec  *record
		ok   bool
	}{
		{"rotate with a link", &record{Type: recRotate, Rotate: &rotateBody{Epoch: 2, Recipient: "x", SigningKey: v.Manifest.recipients[1]}, Audit: good}, false},
		{"ingest key with a malformed session", &record{Type: recIngestKey, IngestKey: &ingestKeyBody{Op: "remove", ID: "none"}, Audit: &audit.Link{Session: "x", Entry: 3}}, false},
		{"ingest key with entry 0 (the header)", &record{Type: recIngestKey, IngestKey: &ingestKeyBody{Op: "remove", ID: "none"}, Audit: &audit.Link{Session: good.Session}}, false},
		{"member without a body", &record{Type: recMember, Audit: good}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Manifest.clone().appendRecords(store.Dir(t.TempDir()), v.now(), signedRecord{tc.rec, v.signer()})
			if err == nil || !strings.Contains(err.Error(), "audit link") {
				t.Errorf("appended: %v, want it refused for its audit link", err)
			}
		})
	}
}
