package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// S3 is a vault in a bucket of S3-compatible object storage, under a
// prefix. Every object is written once with If-None-Match: * (so two
// writers never overwrite each other) and, on a bucket with Object Lock,
// with an explicit retain-until date. The client is aws-sdk-go-v2's: the
// standard credential chain and endpoint variables (AWS_PROFILE,
// AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL_S3) work as in every
// other AWS tool.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"

	retention Retention // what every new object gets; zero for none
	legalHold bool
	live      time.Duration // LiveWindow
	// lockOnce reads the bucket's default rule at the first write (a
	// reader needs none, and may lack the permission).
	lockOnce sync.Once

	mu     sync.Mutex
	bounds map[string]map[int]int // chain -> first record of an object -> records in it
}

// S3Options configures OpenS3.
type S3Options struct {
	// HTTPClient, when set, sends every request (tests record them).
	HTTPClient *http.Client
	// Retention, when set, is given to every object written instead of
	// the bucket's default rule.
	Retention Retention
	// LiveWindow is how recently a log's last part must have been
	// written for LogState to call it live (0: DefaultLiveWindow;
	// negative: never live).
	LiveWindow time.Duration
}

// DefaultLiveWindow: a bucket has no lock to tell a running writer from a
// dead one, so a log written to in the last quarter hour counts as live.
// It is longer than coffer review's idle lock (10 minutes by default),
// after which a session closes its log; a session whose process died is
// taken for ended once its window has passed.
const DefaultLiveWindow = 15 * time.Minute

// OpenS3 returns the store at s3://BUCKET/PREFIX. Before its first write
// it reads the bucket's Object Lock default rule (when it has one) to
// give every object it writes the same retention explicitly.
func OpenS3(loc string, opt S3Options) (*S3, error) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("store: %q is not s3://BUCKET/PREFIX", loc)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	ctx := context.Background()
	// The SDK's own log lines (a credential source it falls back from)
	// would reach the terminal around coffer's sanitizing writer.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}), config.WithClientLogMode(0))
	if err != nil {
		return nil, fmt.Errorf("store: %s: AWS configuration: %w", loc, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// S3-compatible stores on a named endpoint (MinIO, Ceph, Versity)
		// mostly want path-style addressing; AWS itself wants virtual
		// hosts. AWS_S3_FORCE_PATH_STYLE overrides the guess.
		o.UsePathStyle = o.BaseEndpoint != nil
		if v, err := strconv.ParseBool(os.Getenv("AWS_S3_FORCE_PATH_STYLE")); err == nil {
			o.UsePathStyle = v
		}
		// Content-MD5 is sent on every PUT (S3 demands it with Object
		// Lock parameters); no streamed checksum trailers, which not
		// every S3-compatible store accepts.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		if opt.HTTPClient != nil {
			o.HTTPClient = opt.HTTPClient
		}
	})
	s := &S3{client: client, bucket: u.Host, prefix: prefix, retention: opt.Retention, live: opt.LiveWindow, bounds: map[string]map[int]int{}}
	if s.live == 0 {
		s.live = DefaultLiveWindow
	}
	if !s.retention.IsZero() {
		s.lockOnce.Do(func() {})
	}
	return s, nil
}

// defaultRetention gives new objects the bucket's default rule, read
// once, before the first write. A writer that may not read the bucket's
// settings (a capture host with PutObject alone) writes without an
// explicit date: the store applies the bucket's rule itself.
func (s *S3) defaultRetention() {
	s.lockOnce.Do(func() {
		if lock, err := s.BucketLock(); err == nil {
			s.retention = lock.Default
		}
	})
}

func (s *S3) String() string { return "s3://" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/") }
func (s *S3) Shared() bool   { return true }

func (s *S3) key(name string) string { return s.prefix + name }

// fail wraps a request's error with the object's name (never a
// credential: the SDK's errors carry the operation, status and request
// id), mapping a missing object to ErrNotExist.
func (s *S3) fail(op, name string, err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) || apiCode(err) == "NoSuchKey" {
		return fmt.Errorf("%s/%s: %w", s, name, ErrNotExist)
	}
	return fmt.Errorf("%s/%s: %s: %w", s, name, op, err)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// conditionFailed reports an If-None-Match refusal: 412, or 409 when the
// store saw two conditional writes of one key at once.
func conditionFailed(err error) bool {
	switch apiCode(err) {
	case "PreconditionFailed", "ConditionalRequestConflict":
		return true
	}
	return false
}

func (s *S3) Open(name string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if err != nil {
		return nil, s.fail("get", name, err)
	}
	return out.Body, nil
}

func (s *S3) read(name string) ([]byte, error) {
	r, err := s.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, s.fail("get", name, err)
	}
	return b, nil
}

// Create collects the object's bytes (ciphertext) and sends them in one
// PUT, which the store makes visible whole or not at all: in memory up to
// spoolMemory, beyond that in an unnamed temporary file (spool.go), so
// that a blob file of hundreds of MB does not sit in memory.
func (s *S3) Create(name string, write func(w io.Writer) error) error {
	sp := newSpool()
	defer sp.close()
	if err := write(sp); err != nil {
		return err
	}
	if sp.err != nil {
		return fmt.Errorf("%s/%s: spool: %w", s, name, sp.err)
	}
	return s.putBody(name, sp, ErrExist)
}

// put creates name with data (chain and log parts: small).
func (s *S3) put(name string, data []byte, taken error) error {
	sp := newSpool()
	defer sp.close()
	sp.Write(data)
	return s.putBody(name, sp, taken)
}

// putBody creates name with what sp holds, refusing to overwrite (taken,
// wrapped, when it exists). A PUT that the store applied but whose answer
// was lost is retried by the SDK and then refused as taken: an object
// whose stored SHA-256 (or, without one, content) is this one's is taken
// as this writer's own.
func (s *S3) putBody(name string, sp *spool, taken error) error {
	s.defaultRetention()
	md5sum, sha := sp.sums()
	in := &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           aws.String(s.key(name)),
		Body:          sp.reader(),
		ContentLength: aws.Int64(sp.n),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(md5sum)),
		// The store checks it against what it received and keeps it
		// (StoredSHA256).
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sha)),
		IfNoneMatch:    aws.String("*"),
	}
	if !s.retention.IsZero() {
		in.ObjectLockMode = types.ObjectLockMode(s.retention.Mode)
		in.ObjectLockRetainUntilDate = aws.Time(s.retention.Until(time.Now()))
	}
	if s.legalHold {
		in.ObjectLockLegalHoldStatus = types.ObjectLockLegalHoldStatusOn
	}
	_, err := s.client.PutObject(context.Background(), in)
	if err == nil {
		return nil
	}
	if conditionFailed(err) {
		if s.holds(name, sp, sha) {
			return nil
		}
		return fmt.Errorf("%s/%s: %w", s, name, taken)
	}
	return s.fail("put", name, err)
}

// holds reports whether the object name is exactly what sp holds.
func (s *S3) holds(name string, sp *spool, sha []byte) bool {
	if size, sum, ok, err := s.StoredSHA256(name); err == nil && ok {
		return size == sp.n && bytes.Equal(sum, sha)
	}
	r, err := s.Open(name)
	if err != nil {
		return false
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	return err == nil && n == sp.n && bytes.Equal(h.Sum(nil), sha)
}

// List lists dir's objects and, as entries of size 0, its sub-prefixes
// (a log is a prefix of parts).
func (s *S3) List(dir string) ([]Entry, error) {
	p := s.key(strings.TrimSuffix(dir, "/") + "/")
	if dir == "" {
		p = s.prefix
	}
	var out []Entry
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &p, Delimiter: aws.String("/")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			return nil, s.fail("list", dir, err)
		}
		for _, o := range page.Contents {
			out = append(out, Entry{Name: strings.TrimPrefix(aws.ToString(o.Key), p), Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)})
		}
		for _, c := range page.CommonPrefixes {
			out = append(out, Entry{Name: strings.TrimSuffix(strings.TrimPrefix(aws.ToString(c.Prefix), p), "/")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *S3) Remove(name string) error {
	_, err := s.client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.key(name))})
	if err != nil {
		return s.fail("delete", name, err)
	}
	return nil
}

// Lock does nothing: a bucket has no lock shared between hosts; chains
// are appended with conditional writes instead.
func (s *S3) Lock(time.Duration) (func(), error) { return func() {}, nil }

func (s *S3) Empty() (bool, error) {
	out, err := s.client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix), MaxKeys: aws.Int32(1)})
	if err != nil {
		return false, s.fail("list", "", err)
	}
	return len(out.Contents) == 0, nil
}

// and kept when it was written (x-amz-checksum-sha256), with a HEAD
// request; ok is false when the store kept none.
func (s *S3) StoredSHA256(name string) (size int64, sum []byte, ok bool, err error) {
	h, err := s.client.HeadObject(context.Background(), &s3.HeadObjectInput{
		Bucket: &s.bucket, Key: aws.String(s.key(name)), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return 0, nil, false, s.fail("head", name, err)
	}
	b, derr := base64.StdEncoding.DecodeString(aws.ToString(h.ChecksumSHA256))
	if derr != nil || len(b) != sha256.Size {
		return aws.ToInt64(h.ContentLength), nil, false, nil // none, or of a multipart upload
	}
	return aws.ToInt64(h.ContentLength), b, true, nil
}
