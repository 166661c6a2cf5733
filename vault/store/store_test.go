package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"coffer/vault/store"
	"coffer/vault/store/s3test"
)

var srv *s3test.Server

func TestMain(m *testing.M) { os.Exit(s3test.Main(m, &srv)) }

// backends returns one store of each kind, empty.
func backends(t *testing.T) map[string]store.Store {
	out := map[string]store.Store{"dir": store.Dir(t.TempDir())}
	if s3test.Missing(t) {
		return out
	}
	s, err := store.OpenS3(srv.URL(t, false, "vaults/one"), store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	out["s3"] = s
	return out
}

func write(data string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, data); return err }
}

func read(t *testing.T, st store.Store, name string) string {
	t.Helper()
	r, err := st.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFiles(t *testing.T) {
	for kind, st := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			if empty, err := st.Empty(); err != nil || !empty {
				t.Fatalf("new store: empty %v, %v", empty, err)
			}
			if err := st.Create("segments/000001-0000.age", write("one")); err != nil {
				t.Fatal(err)
			}
			if err := st.Create("segments/000001-0000.age", write("two")); !errors.Is(err, store.ErrExist) {
				t.Fatalf("second create: %v, want ErrExist", err)
			}
			if got := read(t, st, "segments/000001-0000.age"); got != "one" {
				t.Fatalf("read %q after a refused overwrite", got)
			}
			// A write that fails leaves nothing under the name.
			boom := errors.New("boom")
			if err := st.Create("segments/000001-0001.age", func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
				t.Fatal(err)
			}
			if _, err := st.Open("segments/000001-0001.age"); !errors.Is(err, store.ErrNotExist) {
				t.Fatalf("open after a failed write: %v", err)
			}
			st.Create("segments/000002-0000.age", write("three!"))
			// A large file (past the spool's memory, lowered here) lands
			// whole too.
			restore := store.SetSpoolMemory(1 << 10)
			big := strings.Repeat("blob-bytes ", 50_000)
			if err := st.Create("blobs/000002-0000.age", write(big)); err != nil {
				t.Fatal(err)
			}
			restore()
			if got := read(t, st, "blobs/000002-0000.age"); got != big {
				t.Fatalf("large file: %d bytes back of %d", len(got), len(big))
			}
			ents, err := st.List("segments")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range ents {
				if !e.Temp {
					names = append(names, e.Name)
				}
			}
			if strings.Join(names, " ") != "000001-0000.age 000002-0000.age" || ents[len(ents)-1].Size != 6 {
				t.Fatalf("list: %+v", ents)
			}
			if ents, _ := st.List("nothing"); len(ents) != 0 {
				t.Fatalf("list of a missing folder: %v", ents)
			}
			if empty, _ := st.Empty(); empty {
				t.Fatal("Empty after writes")
			}
			if s, ok := st.(store.Summer); ok {
				size, sum, ok, err := s.StoredSHA256("segments/000002-0000.age")
				want := sha256.Sum256([]byte("three!"))
				if err != nil || !ok || size != 6 || !bytes.Equal(sum, want[:]) {
					t.Fatalf("stored SHA-256: %d %x %v %v", size, sum, ok, err)
				}
			}
		})
	}
}

func TestChain(t *testing.T) {
	for kind, st := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			if _, err := st.ReadChain("manifest", 0, 1<<20); !errors.Is(err, store.ErrNotExist) {
				t.Fatalf("missing chain: %v", err)
			}
			whole := "r0\nr1\n"
			if err := st.AppendChain("manifest", 0, []byte(whole), []byte(whole)); err != nil {
				t.Fatal(err)
			}
			whole += "r2\n"
			if err := st.AppendChain("manifest", 2, []byte(whole), []byte("r2\n")); err != nil {
				t.Fatal(err)
			}
			if st.Shared() {
				// A writer that read two records races one that read
				// three: the stale one is refused, nothing is lost.
				if err := st.AppendChain("manifest", 2, nil, []byte("other\n")); !errors.Is(err, store.ErrConflict) {
					t.Fatalf("stale append: %v, want ErrConflict", err)
				}
			}
			got, err := st.ReadChain("manifest", 0, 1<<20)
			if err != nil || string(got) != whole {
				t.Fatalf("chain %q, %v", got, err)
			}
			if got, _ := st.ReadChain("manifest", 2, 1<<20); string(got) != "r2\n" {
				t.Fatalf("chain from 2: %q", got)
			}
			if got, _ := st.ReadChain("manifest", 3, 1<<20); len(got) != 0 {
				t.Fatalf("chain from its end: %q", got)
			}
		})
	}
}

// TestChainRace: writers on their own store instances (as on separate
// hosts) append 20 records each; every record lands once, in one chain.
func TestChainRace(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	loc := srv.URL(t, false, "race")
	const writers, each = 4, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := store.OpenS3(loc, store.S3Options{})
			if err != nil {
				errs <- err
				return
			}
			for i := 0; i < each; i++ {
				rec := []byte(strings.Repeat("w", w+1) + "\n")
				for {
					have, err := st.ReadChain("manifest", 0, 1<<20)
					if err != nil && !errors.Is(err, store.ErrNotExist) {
						errs <- err
						return
					}
					err = st.AppendChain("manifest", bytes.Count(have, []byte("\n")), nil, rec)
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st, _ := store.OpenS3(loc, store.S3Options{})
	got, err := st.ReadChain("manifest", 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(string(got), "\n"), "\n") {
		count[l]++
	}
	for w := 0; w < writers; w++ {
		if n := count[strings.Repeat("w", w+1)]; n != each {
			t.Errorf("writer %d: %d records in the chain, want %d", w, n, each)
		}
	}
}

func TestLog(t *testing.T) {
	for kind, st := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			l, err := st.CreateLog("audit/s1.log", []byte("head"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CreateLog("audit/s1.log", []byte("x")); !errors.Is(err, store.ErrExist) {
				t.Fatalf("second create: %v", err)
			}
			for _, p := range []string{"-a", "-bb"} {
				if err := l.Append([]byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			// A folder's log is live while its writer holds it; a
			// bucket's, for its window after the last write.
			size, live, err := st.LogState("audit/s1.log")
			if err != nil || size != 9 || !live {
				t.Fatalf("state %d %v %v", size, live, err)
			}
			r, err := st.OpenLog("audit/s1.log")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			if string(b) != "head-a-bb" {
				t.Fatalf("log %q", b)
			}
			l.Close()
			if _, live, _ := st.LogState("audit/s1.log"); live != st.Shared() {
				t.Fatalf("live %v after Close", live)
			}
			if st.Shared() {
				past, err := store.OpenS3(st.String(), store.S3Options{LiveWindow: time.Nanosecond})
				if err != nil {
					t.Fatal(err)
				}
				if _, live, _ := past.LogState("audit/s1.log"); live {
					t.Fatal("live after its window")
				}
			}
			ents, _ := st.List("audit")
			if len(ents) != 1 || ents[0].Name != "s1.log" {
				t.Fatalf("audit listing %+v", ents)
			}
		})
	}
}

// TestRetention: on a bucket with Object Lock in compliance mode every
// object gets a retain-until date, and the server refuses to delete it.
func TestRetention(t *testing.T) {
	if s3test.Missing(t) {
		return
	}
	plain, err := store.OpenS3(srv.URL(t, false, "v"), store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := store.ParseRetention("1d", "compliance")
	if err := plain.SetRetention(r); err == nil || !strings.Contains(err.Error(), "Object Lock") {
		t.Fatalf("retention on a bucket without Object Lock: %v", err)
	}
	st, err := store.OpenS3(srv.URL(t, true, "v"), store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetRetention(r); err != nil {
		t.Fatal(err)
	}
	if err := st.Create("segments/000001-0000.age", write("kept")); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendChain("manifest", 0, nil, []byte("r0\n")); err != nil {
		t.Fatal(err)
	}
	locks, err := st.ObjectLocks()
	if err != nil || len(locks) != 2 {
		t.Fatalf("locks %+v, %v", locks, err)
	}
	for _, l := range locks {
		if l.Mode != "COMPLIANCE" || time.Until(l.Until) < 23*time.Hour {
			t.Errorf("%s: mode %q until %v", l.Name, l.Mode, l.Until)
		}
	}
	// A second store opened on the bucket gives the bucket's rule too.
	again, err := store.OpenS3(st.String(), store.S3Options{})
	if err != nil || again.Retention() != r {
		t.Fatalf("reopened: retention %v, %v", again.Retention(), err)
	}
	// Deleting the version itself (not just hiding it behind a delete
	// marker) is what retention forbids.
	c := srv.Client()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(st.String(), "s3://"), "/")
	key += "/segments/000001-0000.age"
	vs, err := c.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &key})
	if err != nil || len(vs.Versions) != 1 {
		t.Fatalf("versions: %v", err)
	}
	_, err = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: vs.Versions[0].VersionId})
	if err == nil {
		t.Fatal("the server deleted a version under compliance retention")
	}
	if n, err := st.SetLegalHold(true); err != nil || n != 2 {
		t.Fatalf("legal hold: %d, %v", n, err)
	}
	locks, _ = st.ObjectLocks()
	for _, l := range locks {
		if !l.LegalHold {
			t.Errorf("%s: no legal hold", l.Name)
		}
	}
}
