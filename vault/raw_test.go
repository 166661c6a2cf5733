package vault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"coffer/vault/store"
	"coffer/vault/store/s3test"
)

// The package's tests run on a folder, and with COFFER_TEST_STORE=s3 on a
// bucket of a real S3-compatible server (make test runs both). The raw
// helpers here read and change a vault's stored files behind coffer's
// back, as someone with write access to the folder or the bucket would:
// the tamper suite is one table for both storages.

var srv *s3test.Server // set by TestMain on object storage

func onS3() bool { return os.Getenv("COFFER_TEST_STORE") == "s3" }

// newLocation returns where a new test vault goes.
func newLocation(t testing.TB) string {
	if !onS3() {
		return filepath.Join(t.TempDir(), "vault")
	}
	if s3test.Missing(t) {
		return ""
	}
	return srv.URL(t, false, "matters/test")
}

func splitURL(loc string) (bucket, prefix string) {
	bucket, prefix, _ = strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix
}

// rawRead returns a stored file's bytes; on object storage the manifest is
// the concatenation of its chain's objects, as a reader walks them.
func rawRead(t testing.TB, loc, name string) []byte {
	t.Helper()
	if !store.IsURL(loc) {
		b, err := os.ReadFile(filepath.Join(loc, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	st, err := store.OpenS3(loc, store.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	if name == ManifestFile {
		b, err := st.ReadChain(ManifestFile, 0, maxManifestBytes)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r, err := st.Open(name)
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

// rawWrite replaces (or plants) a stored file. On object storage a
// manifest written this way replaces the whole chain with one object.
func rawWrite(t testing.TB, loc, name string, data []byte) {
	t.Helper()
	if !store.IsURL(loc) {
		if err := os.WriteFile(filepath.Join(loc, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	bucket, prefix := splitURL(loc)
	key := prefix + name
	if name == ManifestFile {
		rawRemove(t, loc, name)
		key = prefix + "manifest/00000000"
	}
	_, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
}

// rawRemove deletes a stored file (on object storage, all of a chain's
// objects for the manifest).
func rawRemove(t testing.TB, loc, name string) {
	t.Helper()
	if !store.IsURL(loc) {
		if err := os.Remove(filepath.Join(loc, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return
	}
	bucket, prefix := splitURL(loc)
	keys := []string{prefix + name}
	if name == ManifestFile {
		keys = nil
		rawWalk(t, loc, func(n string, _ []byte) {
			if strings.HasPrefix(n, "manifest/") {
				keys = append(keys, prefix+n)
			}
		})
	}
	for _, k := range keys {
		if _, err := srv.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
}

// rawWalk calls fn with every stored file's name and bytes.
func rawWalk(t testing.TB, loc string, fn func(name string, data []byte)) {
	t.Helper()
	if !store.IsURL(loc) {
		filepath.Walk(loc, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(loc, p)
				fn(filepath.ToSlash(rel), b)
			}
			return nil
		})
		return
	}
	bucket, prefix := splitURL(loc)
	c := srv.Client()
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(out.Body)
			out.Body.Close()
			fn(strings.TrimPrefix(aws.ToString(o.Key), prefix), b)
		}
	}
}

// removeFolder removes an empty folder, as vaults made before it existed
// lack it; object storage has no folders to remove.
func removeFolder(t testing.TB, loc, name string) {
	t.Helper()
	if store.IsURL(loc) {
		return
	}
	if err := os.Remove(filepath.Join(loc, name)); err != nil {
		t.Fatal(err)
	}
}

// testStore opens the storage of the vault at loc.
func testStore(t testing.TB, loc string) store.Store {
	t.Helper()
	st, err := openStore(loc)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// rawRemoveTree deletes name and everything under it (an audit log, on
// object storage a prefix of parts; the audit folder).
func rawRemoveTree(t testing.TB, loc, name string) {
	t.Helper()
	if !store.IsURL(loc) {
		if err := os.RemoveAll(filepath.Join(loc, name)); err != nil {
			t.Fatal(err)
		}
		return
	}
	bucket, prefix := splitURL(loc)
	rawWalk(t, loc, func(n string, _ []byte) {
		if n == name || strings.HasPrefix(n, name+"/") {
			if _, err := srv.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(prefix + n)}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// rawNames lists what folder holds (a log's parts count as one name).
func rawNames(t testing.TB, loc, folder string) []string {
	t.Helper()
	ents, err := testStore(t, loc).List(folder)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name)
	}
	return out
}
