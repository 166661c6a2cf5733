package audit_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"coffer/vault/audit"
	"coffer/vault/store"
	"coffer/vault/store/s3test"

	"filippo.io/age"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// srv is the S3-compatible test server TestMain starts (nil without the
// versitygw binary: the s3 cases then skip).
var srv *s3test.Server

// keys holds an auditor identity and a reviewer (vault member) identity:
// separate keys, as the manifest has them.
type keys struct {
	auditor  *age.X25519Identity
	reviewer *age.X25519Identity
}

func newKeys(t testing.TB) keys {
	t.Helper()
	a, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return keys{a, r}
}

func (k keys) recipients() []age.Recipient { return []age.Recipient{k.auditor.Recipient()} }
func (k keys) ids() []age.Identity         { return []age.Identity{k.auditor} }

var alice = audit.Actor{Member: "alice", Fingerprint: "SHA256:alicekey"}

func open(t testing.TB, st store.Store, k keys) *audit.Log {
	t.Helper()
	l, err := audit.Open(st, k.recipients(), alice)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func appendN(t testing.TB, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		if err := l.Append(audit.Event{Action: audit.ActionSearch, Query: "q", Results: i}); err != nil {
			t.Fatal(err)
		}
	}
}

// sessionFiles returns the trail's session files in the folder dir,
// oldest first.
func sessionFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "audit", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// file is the path of a session's file in the folder dir.
func file(dir string, l *audit.Log) string { return filepath.Join(dir, filepath.FromSlash(l.Name())) }

func mustVerify(t testing.TB, st store.Store, k keys, cp *audit.Checkpoint) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(st, k.ids(), cp)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexDecode(t testing.TB, dst, src []byte) {
	t.Helper()
	if _, err := hex.Decode(dst, src); err != nil {
		t.Fatal(err)
	}
}

func baseName(p string) string { return filepath.Base(p) }

// The backends every trail must work on, as one table: a folder and an
// S3 bucket. A testVault also reaches around its store the way someone
// with write access to the storage would, to tamper with a log.

type backend struct {
	name string
	new  func(t testing.TB) *testVault
}

var backends = []backend{
	{"dir", func(t testing.TB) *testVault {
		dir := t.TempDir()
		return &testVault{Store: store.Dir(dir), dir: dir}
	}},
	{"s3", newS3Vault},
}

// forBackends runs f on a new, empty vault of each backend.
func forBackends(t *testing.T, f func(t *testing.T, v *testVault)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.new(t)) })
	}
}

type testVault struct {
	store.Store
	dir    string // a folder's path
	loc    string // a bucket's s3://BUCKET/PREFIX
	client *s3.Client
	gets   *atomic.Int64 // GET requests the store sent
}

// newS3Vault is a vault in a new versioned bucket (with Object Lock, as a
// compliance archive's is, and no default retention), so an overwrite
// makes a new current version as it would there. Its store takes no log
// for live (LiveWindow -1), as if every session's window had passed: the
// crash tests look at what the next session records of a dead one.
func newS3Vault(t testing.TB) *testVault {
	if s3test.Missing(t) {
		return nil
	}
	v := &testVault{loc: srv.URL(t, true, "vaults/case"), client: srv.Client(), gets: new(atomic.Int64)}
	st, err := store.OpenS3(v.loc, store.S3Options{LiveWindow: -1, HTTPClient: &http.Client{Transport: countGets{http.DefaultTransport, v.gets}}})
	if err != nil {
		t.Fatal(err)
	}
	v.Store = st
	return v
}

// countGets counts GET requests (object reads; listings are GETs too, on
// the bucket, without a key past the prefix: they are counted apart by
// their list-type query).
type countGets struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (c countGets) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "" {
		c.n.Add(1)
	}
	return c.rt.RoundTrip(r)
}

func (v *testVault) s3() bool { return v.client != nil }

// key is the object key of part i of the log name.
func (v *testVault) key(name string, i int) (bucket, key string) {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(v.loc, "s3://"), "/")
	return bucket, fmt.Sprintf("%s/%s/%08d", prefix, name, i)
}

// readLog returns a log's bytes, as a reader of the store sees them.
func (v *testVault) readLog(t testing.TB, name string) []byte {
	t.Helper()
	r, err := v.OpenLog(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setRecord replaces record i of the log name with rec (framed, length
// prefix included): in a folder by rewriting the file, in a bucket by
// overwriting part i with a plain PUT (no If-None-Match).
func (v *testVault) setRecord(t testing.TB, name string, i int, rec []byte) {
	t.Helper()
	b := v.readLog(t, name)
	rs := records(t, b)
	if !v.s3() {
		r := rs[i]
		v.writeFile(t, name, splice(b[:r.Offset], rec, b[r.Offset+int64(r.Len):]))
		return
	}
	if i == 0 {
		rec = splice(b[:rs[0].Offset], rec) // part 0 holds the magic too
	}
	bucket, key := v.key(name, i)
	_, err := v.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(rec)})
	if err != nil {
		t.Fatal(err)
	}
}

// deleteRecord removes record i of the log name: in a folder the bytes
// (the records after it move up), in a bucket part i (a gap: readers stop
// there).
func (v *testVault) deleteRecord(t testing.TB, name string, i int) {
	t.Helper()
	if !v.s3() {
		b := v.readLog(t, name)
		r := records(t, b)[i]
		v.writeFile(t, name, splice(b[:r.Offset], b[r.Offset+int64(r.Len):]))
		return
	}
	bucket, key := v.key(name, i)
	if _, err := v.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		t.Fatal(err)
	}
}

// removeLog deletes a whole session log.
func (v *testVault) removeLog(t testing.TB, name string) {
	t.Helper()
	if !v.s3() {
		v.cut(t, name, 0)
		return
	}
	if v.deleteParts(t, name) == 0 {
		t.Fatalf("no parts of %s", name)
	}
}

// deleteParts deletes every object of a log in a bucket.
func (v *testVault) deleteParts(t testing.TB, name string) int {
	t.Helper()
	bucket, prefix := v.key(name, 0)
	prefix = strings.TrimSuffix(prefix, "00000000")
	out, err := v.client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Contents {
		if _, err := v.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key}); err != nil {
			t.Fatal(err)
		}
	}
	return len(out.Contents)
}

// cut deletes the records of the log name from record i on, as someone
// hiding what a session recorded last would.
func (v *testVault) cut(t testing.TB, name string, i int) {
	t.Helper()
	if !v.s3() {
		p := filepath.Join(v.dir, filepath.FromSlash(name))
		if i == 0 {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			return
		}
		b := readFile(t, p)
		v.writeFile(t, name, b[:records(t, b)[i].Offset])
		return
	}
	n := len(records(t, v.readLog(t, name)))
	for ; i < n; i++ {
		v.deleteRecord(t, name, i)
	}
}

// replaceLog replaces the log name with b, a whole session log.
func (v *testVault) replaceLog(t testing.TB, name string, b []byte) {
	t.Helper()
	if !v.s3() {
		v.writeFile(t, name, b)
		return
	}
	v.deleteParts(t, name)
	for i, r := range records(t, b) {
		rec := recBytes(b, r)
		if i == 0 {
			rec = b[:r.Offset+int64(r.Len)]
		}
		bucket, key := v.key(name, i)
		if _, err := v.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(rec)}); err != nil {
			t.Fatal(err)
		}
	}
}

func (v *testVault) writeFile(t testing.TB, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(v.dir, filepath.FromSlash(name)), b, 0o600); err != nil {
		t.Fatal(err)
	}
}
