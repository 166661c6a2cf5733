package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/rogpeppe/go-internal/testscript"

	"coffer/vault/store/s3test"
)

// startS3 runs an S3-compatible server for one test.
func startS3(t *testing.T) *s3test.Server {
	t.Helper()
	if s3test.Missing(t) {
		return nil
	}
	srv, err := s3test.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// TestScriptsS3 runs the CLI scripts in testdata/s3 against a real
// S3-compatible server on loopback: $BUCKET is a new plain bucket for
// each script, $LOCKBUCKET a new versioned one with Object Lock.
func TestScriptsS3(t *testing.T) {
	srv := startS3(t)
	if srv == nil {
		return
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/s3",
		Setup: func(env *testscript.Env) error {
			env.Setenv("COFFER_STATE_DIR", env.WorkDir+"/.state")
			env.Setenv("USER", "tester")
			for _, kv := range srv.Env(env.WorkDir) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			for name, lock := range map[string]bool{"BUCKET": false, "LOCKBUCKET": true} {
				b, err := srv.NewBucket(lock)
				if err != nil {
					return err
				}
				env.Setenv(name, b)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"setfromstdout": setFromStdout,
			// s3delete BUCKET PREFIX deletes the first object version
			// under PREFIX itself (not behind a delete marker), as an
			// admin with the bucket's credentials would try to.
			"s3delete": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: s3delete BUCKET PREFIX")
				}
				c := srv.Client()
				vs, err := c.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: &args[0], Prefix: &args[1]})
				ts.Check(err)
				if len(vs.Versions) == 0 {
					ts.Fatalf("s3delete: no object %s", args[1])
				}
				v := vs.Versions[0]
				_, err = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &args[0], Key: v.Key, VersionId: v.VersionId})
				if err != nil && !neg {
					ts.Fatalf("s3delete: %v", err)
				}
				if err == nil && neg {
					ts.Fatalf("s3delete: the server deleted %s", args[1])
				}
				if err != nil {
					ts.Logf("refused: %v", err)
				}
			},
			// s3overwrite BUCKET PREFIX puts new content on the first
			// object under PREFIX with a plain PUT: on a versioned bucket a
			// new version on top, the old one kept.
			// s3restore BUCKET PREFIX copies the object's oldest version
			// back on top, as an admin restores a retained original.
			"s3overwrite": func(ts *testscript.TestScript, neg bool, args []string) {
				key := firstVersion(ts, srv, args).Key
				_, err := srv.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: &args[0], Key: key, Body: strings.NewReader("overwritten")})
				ts.Check(err)
			},
			"s3restore": func(ts *testscript.TestScript, neg bool, args []string) {
				c := srv.Client()
				vs, err := c.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: &args[0], Prefix: &args[1]})
				ts.Check(err)
				oldest := vs.Versions[0]
				for _, v := range vs.Versions {
					if v.LastModified.Before(*oldest.LastModified) || (aws.ToString(v.Key) == aws.ToString(oldest.Key) && !aws.ToBool(v.IsLatest)) {
						oldest = v
					}
				}
				src := args[0] + "/" + aws.ToString(oldest.Key) + "?versionId=" + aws.ToString(oldest.VersionId)
				_, err = c.CopyObject(context.Background(), &s3.CopyObjectInput{Bucket: &args[0], Key: oldest.Key, CopySource: &src})
				ts.Check(err)
			},
		},
	})
}

// TestS3RequestsCarryNoPlaintext records every request coffer sends to
// the bucket while a canary message is imported, searched, shown, tagged
// and saved, and a member with a canary name is added: no key, query
// string, header or body carries the message's text, its sender, the
// query, the tag or the saved search's name; no key or header carries
// the member's name (the manifest names members, as on disk).
func TestS3RequestsCarryNoPlaintext(t *testing.T) {
	srv := startS3(t)
	if srv == nil {
		return
	}
	rec, err := srv.Record()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	work := t.TempDir()
	env := append(os.Environ(), "COFFER_TEST_AS_COFFER=1", "COFFER_STATE_DIR="+filepath.Join(work, "state"), "USER=tester")
	env = append(env, srv.Env(work)...)
	env = append(env, "AWS_ENDPOINT_URL_S3="+rec.Endpoint) // after srv.Env's: the last one wins
	bucket, err := srv.NewBucket(false)
	if err != nil {
		t.Fatal(err)
	}
	v := "s3://" + bucket + "/matters/canary"
	export := filepath.Join(work, "chat.jsonl")
	line := `{"source":"whatsapp","conversation":{"id":"wa:zanzibarcanaryconv","title":"Zanzibarcanarytitle"},"sender":"Quixotecanarysender","time":"2024-03-01T09:15:00Z","body":"the xylophonecanarybody is hidden"}` + "\n"
	if err := os.WriteFile(export, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	run := childCoffer(t, env, work)
	run("init", v, "--identity-out", "me.key", "--auditor-key-out", "auditor.key")
	run("import", v, export, "--identity", "me.key")
	if out := run("search", v, "xylophonecanarybody", "--identity", "me.key"); !strings.Contains(out, "xylophonecanarybody") {
		t.Fatalf("search did not find the canary: %s", out)
	}
	run("tag", v, "+Vermilioncanarytag", "--identity", "me.key", "--", "xylophonecanarybody")
	run("saved", v, "add", "Ochrecanarysaved", "from:Quixotecanarysender", "--identity", "me.key")
	run("member", "add", v, "--identity-out", "m2.key", "--name", "Umbercanarymember", "--identity", "me.key")
	run("audit", "show", v, "--identity", "auditor.key")

	reqs := rec.Requests()
	if len(reqs) < 50 {
		t.Fatalf("only %d requests recorded: is the proxy in the path?", len(reqs))
	}
	// The scan can find what it looks for: the manifest names members,
	// so one body holds the member's name.
	seen := false
	for _, r := range reqs {
		seen = seen || strings.Contains(strings.ToLower(string(r.Body)), "umbercanarymember")
	}
	if !seen {
		t.Fatal("no request body holds the member's name: request bodies are not being recorded")
	}
	everywhere := []string{"xylophonecanarybody", "quixotecanarysender", "zanzibarcanary", "vermilioncanarytag", "ochrecanarysaved"}
	for _, r := range reqs {
		head := strings.ToLower(r.Method + " " + r.URL + fmt.Sprint(r.Header))
		body := strings.ToLower(string(r.Body))
		for _, c := range everywhere {
			if strings.Contains(head, c) || strings.Contains(body, c) {
				t.Errorf("%s %s carries %q", r.Method, r.URL, c)
			}
		}
		if strings.Contains(head, "umbercanarymember") {
			t.Errorf("%s %s carries the member's name in its key or headers", r.Method, r.URL)
		}
		if strings.Contains(head, strings.ToLower(s3test.Secret)) {
			t.Errorf("%s %s carries the secret key", r.Method, r.URL)
		}
	}
	t.Logf("%d requests checked", len(reqs))
}

// firstVersion is the first object version under a script's PREFIX
// (args: BUCKET PREFIX).
func firstVersion(ts *testscript.TestScript, srv *s3test.Server, args []string) types.ObjectVersion {
	if len(args) != 2 {
		ts.Fatalf("usage: BUCKET PREFIX")
	}
	vs, err := srv.Client().ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: &args[0], Prefix: &args[1]})
	ts.Check(err)
	if len(vs.Versions) == 0 {
		ts.Fatalf("no object under %s", args[1])
	}
	return vs.Versions[0]
}

// TestE2ETmuxS3 is the reviewer's and the auditor's flow in a real
// terminal on a vault in a bucket: unlock, open a conversation, search,
// tag; the auditor's screen finds the search and the tag in the trail in
// the bucket; nothing of the text reaches any file (the server's data
// folder included).
func TestE2ETmuxS3(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: run without -short (make itest)")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	if s3test.Missing(t) {
		return
	}
	work := t.TempDir()
	srv, err := s3test.Start(filepath.Join(work, "s3")) // its data under work: scanned below
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	bucket, err := srv.NewBucket(false)
	if err != nil {
		t.Fatal(err)
	}
	home, tmp := filepath.Join(work, "home"), filepath.Join(work, "tmp")
	os.Mkdir(home, 0o700)
	os.Mkdir(tmp, 0o700)
	env := append(os.Environ(), "COFFER_TEST_AS_COFFER=1", "COFFER_STATE_DIR="+filepath.Join(work, "state"), "USER=tester", "NO_COLOR=1",
		"HOME="+home, "TMPDIR="+tmp)
	env = append(env, srv.Env(work)...)
	coffer := childCoffer(t, env, work)
	v := "s3://" + bucket + "/matters/e2e"
	coffer("init", v, "--identity-out", "me.key", "--auditor-key-out", "auditor.key", "--name", "E2E bucket")
	if err := os.WriteFile(filepath.Join(work, "chat.jsonl"), e2eExport(), 0o600); err != nil {
		t.Fatal(err)
	}
	coffer("import", v, "chat.jsonl", "--identity", "me.key")
	if err := os.Remove(filepath.Join(work, "chat.jsonl")); err != nil {
		t.Fatal(err)
	}

	tm := newTmux(t, work, env)
	tm.start(os.Args[0] + " review " + v + " --identity me.key")
	tm.waitFor("enter unlock")
	tm.keys("Enter")
	tm.waitFor("search ready")
	tm.keys("Enter")
	tm.waitFor("block trade")
	tm.keys("/")
	tm.literal("halden")
	tm.keys("Enter")
	tm.waitFor("matches for halden")
	tm.keys("Enter")
	tm.waitFor("hit 1 of")
	tm.keys("t")
	tm.literal("flagged")
	tm.keys("Enter")
	tm.waitFor("tagged 1 message: flagged")
	// Back out: the hit, the results, the conversation, the list.
	tm.keys("q", "q", "q")
	tm.waitFor("Conversations (2)")
	tm.keys("q")
	tm.waitDead()

	tm.start(os.Args[0] + " audit " + v + " --identity auditor.key")
	tm.waitFor("trail intact")
	tm.keys("/")
	tm.literal("action:search")
	tm.keys("Enter")
	tm.waitFor(`query "halden"`)
	tm.keys("q")
	tm.waitDead()

	out := coffer("audit", "show", v, "--identity", "auditor.key", "--action", "tag-add")
	if !strings.Contains(out, "flagged") {
		t.Errorf("the tag is not in the trail in the bucket:\n%s", out)
	}
	noCanaries(t, work, "halden", "block trade", "trading desk", "mallory", "flagged", "marker")
}
