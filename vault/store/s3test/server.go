// Package s3test runs a real S3-compatible server on loopback for tests:
// Versity Gateway (versitygw) with its posix backend and a versioning
// folder, so buckets can have versioning and Object Lock. No mocks: the
// vault's object storage is tested against a server that enforces
// If-None-Match and retention as S3 does.
//
// The binary comes from `make s3server` (.ci/bin/versitygw, built from
// the separate module in .ci/s3server) or $COFFER_VERSITYGW. Without it a
// test skips, except under CI (CI set), where it fails.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Credentials of the test server; only ever on loopback.
const (
	Access = "cofferTESTKEY"
	Secret = "cofferTESTSECRETcofferTESTSECRET"
)

// Server is a running versitygw.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Data     string // the posix backend's folder: buckets are folders in it
	cmd      *exec.Cmd
	client   *s3.Client
	args     []string
	buckets  atomic.Int64
}

// Binary returns the server binary's path, or "" when there is none.
func Binary() string {
	if p := os.Getenv("COFFER_VERSITYGW"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", ".ci", "bin", "versitygw")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// Missing skips t (or fails it under CI) when there is no server binary.
func Missing(t testing.TB) bool {
	if Binary() != "" {
		return false
	}
	if os.Getenv("CI") != "" {
		t.Fatal("s3test: no versitygw binary (make s3server, or COFFER_VERSITYGW)")
	}
	t.Skip("s3test: no versitygw binary: run `make s3server` (make test does)")
	return true
}

// Start runs a server in folder root (which it fills) until Stop. It sets
// the environment every AWS client reads (credentials, region, endpoint),
// so coffer commands run by the test reach it too.
func Start(root string) (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, fmt.Errorf("s3test: no versitygw binary (make s3server, or COFFER_VERSITYGW)")
	}
	s := &Server{Data: filepath.Join(root, "data")}
	vdir := filepath.Join(root, "versions")
	for _, d := range []string{s.Data, vdir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s.Endpoint = "http://" + addr
	s.args = []string{"--access", Access, "--secret", Secret, "--port", addr, "posix", "--versioning-dir", vdir, s.Data}
	os.Setenv("AWS_ACCESS_KEY_ID", Access)
	os.Setenv("AWS_SECRET_ACCESS_KEY", Secret)
	os.Setenv("AWS_REGION", "us-east-1")
	os.Setenv("AWS_ENDPOINT_URL_S3", s.Endpoint)
	os.Unsetenv("AWS_PROFILE")
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(root, "no-aws-config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(root, "no-aws-credentials"))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, fmt.Errorf("s3test: client: %w", err)
	}
	s.client = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	return s, s.start(filepath.Join(root, "server.log"))
}

func (s *Server) start(logPath string) error {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(Binary(), s.args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("s3test: start versitygw: %w", err)
	}
	go func() { s.cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.Endpoint); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("s3test: versitygw did not answer on %s (log: %s)", s.Endpoint, logPath)
}

// Stop kills the server (as a crash would: SIGKILL).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		for i := 0; i < 100 && s.cmd.ProcessState == nil; i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// Restart kills the server and starts it again on the same port and data.
func (s *Server) Restart() error {
	s.Stop()
	return s.start(filepath.Join(filepath.Dir(s.Data), "server.log"))
}

// Client returns an SDK client for the server (made by Start).
func (s *Server) Client() *s3.Client { return s.client }

// Bucket makes a new bucket and returns its name; with lock, versioned
// and with Object Lock enabled (as a compliance archive's must be).
func (s *Server) Bucket(t testing.TB, lock bool) string {
	t.Helper()
	name, err := s.NewBucket(lock)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// NewBucket is Bucket for callers without a testing.TB.
func (s *Server) NewBucket(lock bool) (string, error) {
	var r [4]byte
	rand.Read(r[:])
	name := fmt.Sprintf("coffer-%d-%s", s.buckets.Add(1), hex.EncodeToString(r[:]))
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if lock {
		in.ObjectLockEnabledForBucket = aws.Bool(true)
	}
	c := s.Client()
	if _, err := c.CreateBucket(context.Background(), in); err != nil {
		return "", fmt.Errorf("s3test: create bucket: %w", err)
	}
	if lock {
		_, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{
			Bucket: aws.String(name), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
		})
		if err != nil {
			return "", fmt.Errorf("s3test: versioning: %w", err)
		}
	}
	return name, nil
}

// Env is the environment a child process (a coffer command run by a
// test) needs to reach the server, and nothing of the machine's own AWS
// configuration.
func (s *Server) Env(root string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + Access, "AWS_SECRET_ACCESS_KEY=" + Secret, "AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		"AWS_CONFIG_FILE=" + filepath.Join(root, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(root, "no-aws-credentials"),
	}
}

// URL returns a vault location in a new bucket: s3://BUCKET/PREFIX.
func (s *Server) URL(t testing.TB, lock bool, prefix string) string {
	return "s3://" + s.Bucket(t, lock) + "/" + strings.Trim(prefix, "/")
}

// Main runs a package's tests with a server started for them (from
// TestMain), stopping it after; *srv is nil when there is no binary (the
// tests that need it call Missing).
func Main(m *testing.M, srv **Server) int {
	if Binary() == "" {
		return m.Run()
	}
	root, err := os.MkdirTemp("", "coffer-s3test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(root)
	s, err := Start(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Stop()
	*srv = s
	return m.Run()
}
