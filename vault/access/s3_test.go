package access_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
	"coffer/vault/store/s3test"
)

var srv *s3test.Server

func TestMain(m *testing.M) {
	if role := os.Getenv("COFFER_S3_CHILD"); role != "" {
		os.Exit(writerChild(role))
	}
	os.Exit(s3test.Main(m, &srv))
}

// TestWritersRaceOnOneBucket: on object storage there is no lock between
// hosts. Two processes tag (each tag is an audit record and a manifest
// record), 100 rounds each, while two more import, 10 times each, against
// one bucket at once: the manifest and the trail are valid chains, and
// every tag, every import and every audit event is there.
func TestWritersRaceOnOneBucket(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	const rounds, imports = 100, 10
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	member, _ := age.GenerateX25519Identity()
	auditor, _ := age.GenerateX25519Identity()
	dir := srv.URL(t, false, "team/case")
	_, err := vault.Init(dir, vault.InitOptions{Name: "race", Recipients: []string{member.Recipient().String()},
		RecipientNames: []string{"rita"}, Auditors: []string{auditor.Recipient().String()}})
	if err != nil {
		t.Fatal(err)
	}
	tv := &testVault{dir: dir, member: member, auditor: auditor}
	s := tv.open(t)
	im, err := s.Import([]string{"seed.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range raceMessages("seed", 20) {
		if _, err := im.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Lock(audit.LockExit)

	keyFile := filepath.Join(t.TempDir(), "member.key")
	if err := os.WriteFile(keyFile, []byte(member.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	roles := []string{"tag:a", "tag:b", "import:a", "import:b"}
	errs := make([]error, len(roles))
	for i, role := range roles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "COFFER_S3_CHILD="+role, "COFFER_S3_VAULT="+dir, "COFFER_S3_KEY="+keyFile,
				"COFFER_S3_ROUNDS="+strconv.Itoa(rounds), "COFFER_S3_IMPORTS="+strconv.Itoa(imports))
			out, err := cmd.CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("%s: %v\n%s", role, err, out)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("4 writers, %d tags and %d imports: %v", 2*rounds, 2*imports, time.Since(start))

	rep, err := vault.Verify(dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	s = tv.open(t)
	if n := len(s.Manifest().Files("segment")); n < 1+2*imports {
		t.Errorf("%d segments, want at least %d", n, 1+2*imports)
	}
	if st, err := s.Stats(""); err != nil || st.Messages != 20+2*imports*5 {
		t.Errorf("stats %+v, %v: want %d messages", st, err, 20+2*imports*5)
	}
	tags := map[string]bool{}
	for _, ts := range s.Tags() {
		for _, tag := range ts {
			tags[tag] = true
		}
	}
	for _, who := range []string{"a", "b"} {
		for i := 0; i < rounds; i++ {
			if name := raceTag(who, i); !tags[name] {
				t.Errorf("tag %s lost", name)
			}
		}
	}
	st, err := vault.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := []age.Identity{auditor}
	if arep, err := audit.Verify(st, ids, nil); err != nil || !arep.OK() {
		t.Fatalf("audit verify: %v %v", err, arep)
	}
	evs, err := audit.Read(st, ids, audit.Filter{Action: audit.ActionTagAdd})
	if err != nil || len(evs) != 2*rounds {
		t.Fatalf("%d tag events, %v; want %d", len(evs), err, 2*rounds)
	}
	evs, err = audit.Read(st, ids, audit.Filter{Action: audit.ActionImport})
	if err != nil || len(evs) < 2*imports+1 {
		t.Fatalf("%d import events, %v; want %d", len(evs), err, 2*imports+1)
	}
}

func raceTag(who string, i int) string { return fmt.Sprintf("%s-%03d", who, i) }

func raceMessages(conv string, n int) []*vault.Message {
	var out []*vault.Message
	for i := 0; i < n; i++ {
		m := &vault.Message{Source: "jsonl", Conversation: vault.Conversation{ID: conv, Title: conv}, Sender: "Ann",
			Time: time.Date(2025, 1, 1, 0, i, 0, 0, time.UTC), Body: fmt.Sprintf("message %d of %s", i, conv)}
		if err := vault.Validate(m); err != nil {
			panic(err)
		}
		out = append(out, m)
	}
	return out
}

// writerChild is one racing writer (TestWritersRaceOnOneBucket), run as a
// process of its own: "tag:NAME" tags a message ROUNDS times,
// "import:NAME" imports IMPORTS times.
func writerChild(role string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, role+":", err); return 1 }
	dir := os.Getenv("COFFER_S3_VAULT")
	rounds, _ := strconv.Atoi(os.Getenv("COFFER_S3_ROUNDS"))
	imports, _ := strconv.Atoi(os.Getenv("COFFER_S3_IMPORTS"))
	data, err := os.ReadFile(os.Getenv("COFFER_S3_KEY"))
	if err != nil {
		return fail(err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(data)))
	if err != nil {
		return fail(err)
	}
	m, err := vault.ReadManifest(dir)
	if err != nil {
		return fail(err)
	}
	g, err := access.Open(dir, m, index.Engine{Location: time.UTC})
	if err != nil {
		return fail(err)
	}
	s, err := g.Unlock(vault.Key{Identities: []age.Identity{id}})
	if err != nil {
		return fail(err)
	}
	defer s.Lock(audit.LockExit)
	if err := s.Load(nil); err != nil {
		return fail(err)
	}
	if who, ok := strings.CutPrefix(role, "tag:"); ok {
		dirs, err := s.Conversations() // any message will do
		if err != nil {
			return fail(err)
		}
		target := dirs.Convs[0].IDs[0]
		for i := 0; i < rounds; i++ {
			if _, err := s.Tag(true, raceTag(who, i), []string{target}); err != nil {
				return fail(fmt.Errorf("round %d: %w", i, err))
			}
		}
		return 0
	}
	who := strings.TrimPrefix(role, "import:")
	for i := 0; i < imports; i++ {
		im, err := s.Import([]string{fmt.Sprintf("import-%s-%d.jsonl", who, i)})
		if err != nil {
			return fail(err)
		}
		for _, msg := range raceMessages(fmt.Sprintf("import-%s-%d", who, i), 5) {
			if _, err := im.Add(msg); err != nil {
				return fail(err)
			}
		}
		if _, err := im.Commit(); err != nil {
			return fail(fmt.Errorf("import %d: %w", i, err))
		}
	}
	return 0
}

// faultVault makes a vault of 20 messages in a new bucket of the shared
// server, for the tests that kill it.
func faultVault(t *testing.T) *testVault {
	t.Helper()
	t.Setenv("COFFER_STATE_DIR", t.TempDir())
	member, _ := age.GenerateX25519Identity()
	auditor, _ := age.GenerateX25519Identity()
	tv := &testVault{dir: srv.URL(t, false, "faults"), member: member, auditor: auditor}
	if _, err := vault.Init(tv.dir, vault.InitOptions{Name: "faults", Recipients: []string{member.Recipient().String()},
		RecipientNames: []string{"rita"}, Auditors: []string{auditor.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	s := tv.open(t)
	im, err := s.Import([]string{"seed.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range raceMessages("seed", 20) {
		im.Add(m)
		tv.ids = append(tv.ids, m.ID)
	}
	if _, err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Lock(audit.LockExit)
	return tv
}

// verifyAll checks the vault and its trail as coffer verify and coffer
// audit verify do.
func (tv *testVault) verifyAll(t *testing.T) {
	t.Helper()
	rep, err := vault.Verify(tv.dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	st, err := vault.OpenStore(tv.dir)
	if err != nil {
		t.Fatal(err)
	}
	if arep, err := audit.Verify(st, []age.Identity{tv.auditor}, nil); err != nil || !arep.OK() {
		t.Fatalf("audit verify: %v %v", err, arep)
	}
}

// TestServerDiesMidReview: the server goes away while a reviewer reads.
// A view whose record cannot be written shows nothing and says why in one
// line; the session stays closed to views after the server is back (its
// trail's state is unknown), and a new session works.
func TestServerDiesMidReview(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	tv := faultVault(t)
	s := tv.open(t)
	if msgs, err := s.View("", tv.ids[:2]); err != nil || len(msgs) != 2 {
		t.Fatalf("view before: %d, %v", len(msgs), err)
	}
	srv.Stop()
	msgs, err := s.View("", tv.ids[2:4])
	if restart := srv.Restart(); restart != nil {
		t.Fatal(restart)
	}
	if !errors.Is(err, access.ErrNotRecorded) || msgs != nil {
		t.Fatalf("view with the server down: %d messages, %v; want none, not recorded", len(msgs), err)
	}
	if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), s3test.Secret) {
		t.Fatalf("error %q: want one line, no credential", err)
	}
	if msgs, err := s.View("", tv.ids[4:6]); err == nil || msgs != nil {
		t.Fatalf("view after the server came back, same session: %d, %v; want refused", len(msgs), err)
	}
	s.Lock(audit.LockExit)
	if msgs, err := tv.open(t).View("", tv.ids[2:4]); err != nil || len(msgs) != 2 {
		t.Fatalf("new session: %d, %v", len(msgs), err)
	}
	tv.verifyAll(t)
}

// TestServerDiesMidTag: the server is killed while a session tags; every
// tag that reported success is there after, the vault and the trail
// verify, and nothing half-written is named by the manifest.
func TestServerDiesMidTag(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	tv := faultVault(t)
	s := tv.open(t)
	var ok []string
	stop := time.AfterFunc(150*time.Millisecond, srv.Stop)
	for i := 0; i < 200; i++ {
		name := fmt.Sprintf("t-%03d", i)
		if _, err := s.Tag(true, name, tv.ids[:1]); err != nil {
			t.Logf("tag %d: %v", i, err)
			break
		}
		ok = append(ok, name)
	}
	stop.Stop()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	s.Lock(audit.LockExit)
	if len(ok) == 200 {
		t.Fatal("the server was not killed during the tags")
	}
	tags := map[string]bool{}
	for _, tag := range tv.open(t).Tags()[tv.ids[0]] {
		tags[tag] = true
	}
	for _, name := range ok {
		if !tags[name] {
			t.Errorf("tag %s reported done, lost", name)
		}
	}
	t.Logf("%d tags before the kill", len(ok))
	tv.verifyAll(t)
}

// TestServerDiesMidImport: the server is killed while an import writes
// its segments: the import fails, the vault holds what it held, verifies
// (leftovers are notes), and the same import then goes through.
func TestServerDiesMidImport(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	tv := faultVault(t)
	s := tv.open(t)
	big := make([]*vault.Message, 0, 60)
	for i, m := range raceMessages("big", 60) {
		m.Body = strings.Repeat(fmt.Sprintf("payload %d ", i), 60_000) // ~0.6 MB: several segments
		vault.Validate(m)
		big = append(big, m)
	}
	im, err := s.Import([]string{"big.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	stop := time.AfterFunc(200*time.Millisecond, srv.Stop)
	var failed error
	for _, m := range big {
		if _, failed = im.Add(m); failed != nil {
			break
		}
	}
	if failed == nil {
		_, failed = im.Commit()
	}
	stop.Stop()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if failed == nil {
		t.Skip("the import finished before the server was killed (a fast machine): nothing to check")
	}
	im.Abort("failed")
	t.Logf("import failed: %v", failed)
	s.Lock(audit.LockExit)
	tv.verifyAll(t)
	s = tv.open(t)
	if st, _ := s.Stats(""); st.Messages != 20 {
		t.Fatalf("%d messages after a failed import, want 20", st.Messages)
	}
	im, err = s.Import([]string{"big.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range big {
		if _, err := im.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Lock(audit.LockExit)
	if st, _ := tv.open(t).Stats(""); st.Messages != 80 {
		t.Fatalf("%d messages after the import again, want 80", st.Messages)
	}
	tv.verifyAll(t)
}

// TestReviewOpensOnS3 opens a vault in a bucket the way coffer review
// does (catalogs, every segment's hash checked beside) and reads a
// conversation: only the index files and the segment shown are fetched
// whole, and a changed segment is still refused at unlock.
func TestReviewOpensOnS3(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	tv := faultVault(t)
	s := tv.unlock(t)
	if err := s.LoadCatalog(nil); err != nil || !s.Catalogued() {
		t.Fatalf("catalog: %v, catalogued %v", err, s.Catalogued())
	}
	if err := s.CheckSegments(nil); err != nil {
		t.Fatal(err)
	}
	dir, err := s.Conversations()
	if err != nil || len(dir.Convs) != 1 {
		t.Fatalf("conversations: %v", err)
	}
	msgs, err := s.View(dir.Convs[0].ID, dir.Convs[0].IDs)
	if err != nil || len(msgs) != 20 || !strings.Contains(msgs[0].Body, "of seed") {
		t.Fatalf("view: %d, %v", len(msgs), err)
	}

	// Someone with the bucket's credentials overwrites the segment.
	seg := s.Manifest().Files("segment")[0].Name
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(tv.dir, "s3://"), "/")
	key := prefix + "/" + seg
	if _, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("not the segment")}); err != nil {
		t.Fatal(err)
	}
	s2 := tv.unlock(t)
	if err := s2.LoadCatalog(nil); err != nil {
		t.Fatal(err)
	}
	var te *vault.TamperError
	if err := s2.CheckSegments(nil); !errors.As(err, &te) || te.File != seg {
		t.Fatalf("check of an overwritten segment: %v, want a tamper error naming %s", err, seg)
	}
}
