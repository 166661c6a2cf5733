package access_test

import (
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
// record) and a third imports, against one bucket at once, 100 rounds
// each: the manifest and the trail are valid chains, and every tag, every
// import and every audit event is there.
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
	errs := make([]error, 3)
	for i, role := range []string{"tag:a", "tag:b", "import"} {
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
	t.Logf("3 writers, %d tags and %d imports: %v", 2*rounds, imports, time.Since(start))

	rep, err := vault.Verify(dir)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	s = tv.open(t)
	if n := len(s.Manifest().Files("segment")); n < 1+imports {
		t.Errorf("%d segments, want at least %d", n, 1+imports)
	}
	if st, err := s.Stats(""); err != nil || st.Messages != 20+imports*5 {
		t.Errorf("stats %+v, %v: want %d messages", st, err, 20+imports*5)
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
	if err != nil || len(evs) < imports+1 {
		t.Fatalf("%d import events, %v; want %d", len(evs), err, imports+1)
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
// process of its own: "tag:NAME" tags a message ROUNDS times, "import"
// imports IMPORTS times.
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
	for i := 0; i < imports; i++ {
		im, err := s.Import([]string{fmt.Sprintf("import-%d.jsonl", i)})
		if err != nil {
			return fail(err)
		}
		for _, msg := range raceMessages(fmt.Sprintf("import-%d", i), 5) {
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
