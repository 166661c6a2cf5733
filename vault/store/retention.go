package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Object Lock: what a bucket allows and what each object carries. Only
// object storage has it; a folder's vault is kept by its owner's backups.

// Retention is an Object Lock retention: a mode (COMPLIANCE or
// GOVERNANCE) and how long from an object's writing it is kept.
type Retention struct {
	Mode  string
	Years int
	Days  int
}

// IsZero reports that no retention is set.
func (r Retention) IsZero() bool { return r.Mode == "" }

// Until is the retain-until date of an object written at t.
func (r Retention) Until(t time.Time) time.Time { return t.UTC().AddDate(r.Years, 0, r.Days) }

func (r Retention) String() string {
	if r.IsZero() {
		return "none"
	}
	if r.Years > 0 {
		return fmt.Sprintf("%s %dy", strings.ToLower(r.Mode), r.Years)
	}
	return fmt.Sprintf("%s %dd", strings.ToLower(r.Mode), r.Days)
}

// ParseRetention reads a period ("7y", "90d") and a mode ("compliance",
// "governance").
func ParseRetention(period, mode string) (Retention, error) {
	var r Retention
	switch strings.ToLower(mode) {
	case "compliance", "":
		r.Mode = string(types.ObjectLockRetentionModeCompliance)
	case "governance":
		r.Mode = string(types.ObjectLockRetentionModeGovernance)
	default:
		return r, fmt.Errorf("retention mode %q: want compliance or governance", mode)
	}
	n, err := strconv.Atoi(strings.TrimRight(period, "yd"))
	if err != nil || n <= 0 || len(period) < 2 {
		return r, fmt.Errorf("retention %q: want a number of years or days, like 7y or 90d", period)
	}
	switch period[len(period)-1] {
	case 'y':
		r.Years = n
	case 'd':
		r.Days = n
	default:
		return r, fmt.Errorf("retention %q: want a number of years or days, like 7y or 90d", period)
	}
	return r, nil
}

// BucketLock is a bucket's versioning and Object Lock configuration.
type BucketLock struct {
	Versioned bool
	Enabled   bool      // Object Lock enabled (only at bucket creation)
	Default   Retention // the default rule, if any
}

// BucketLock reads the bucket's versioning and Object Lock settings. A
// bucket without Object Lock is not an error.
func (s *S3) BucketLock() (BucketLock, error) {
	ctx := context.Background()
	var b BucketLock
	v, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &s.bucket})
	if err != nil {
		return b, fmt.Errorf("%s: bucket versioning: %w", s, err)
	}
	b.Versioned = v.Status == types.BucketVersioningStatusEnabled
	lc, err := s.client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: &s.bucket})
	if err != nil {
		code := apiCode(err)
		if code == "ObjectLockConfigurationNotFoundError" || code == "NoSuchObjectLockConfiguration" || strings.Contains(code, "NotFound") {
			return b, nil
		}
		return b, fmt.Errorf("%s: Object Lock configuration: %w", s, err)
	}
	if c := lc.ObjectLockConfiguration; c != nil {
		b.Enabled = c.ObjectLockEnabled == types.ObjectLockEnabledEnabled
		if c.Rule != nil && c.Rule.DefaultRetention != nil {
			d := c.Rule.DefaultRetention
			b.Default = Retention{Mode: string(d.Mode), Years: int(aws.ToInt32(d.Years)), Days: int(aws.ToInt32(d.Days))}
		}
	}
	return b, nil
}

// SetRetention makes r the bucket's default rule and what every object
// this store writes gets. The bucket must be versioned, with Object Lock.
func (s *S3) SetRetention(r Retention) error {
	b, err := s.BucketLock()
	if err != nil {
		return err
	}
	if !b.Versioned || !b.Enabled {
		return fmt.Errorf("%s: retention needs a versioned bucket created with Object Lock enabled (this one: versioning %s, Object Lock %s)",
			s, onOff(b.Versioned), onOff(b.Enabled))
	}
	d := &types.DefaultRetention{Mode: types.ObjectLockRetentionMode(r.Mode)}
	if r.Years > 0 {
		d.Years = aws.Int32(int32(r.Years))
	} else {
		d.Days = aws.Int32(int32(r.Days))
	}
	_, err = s.client.PutObjectLockConfiguration(context.Background(), &s3.PutObjectLockConfigurationInput{
		Bucket: &s.bucket,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{
			ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule:              &types.ObjectLockRule{DefaultRetention: d},
		},
	})
	if err != nil {
		return fmt.Errorf("%s: set the bucket's default retention: %w", s, err)
	}
	s.lockOnce.Do(func() {})
	s.retention = r
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Retention returns what the store gives new objects.
func (s *S3) Retention() Retention {
	s.defaultRetention()
	return s.retention
}

// ObjectLock is one object's Object Lock state.
type ObjectLock struct {
	Name      string
	Mode      string    // "" when the object has no retention
	Until     time.Time // zero when none
	LegalHold bool
}

// ObjectLocks returns the lock state of every object under the store's
// prefix (the current version of each).
func (s *S3) ObjectLocks() ([]ObjectLock, error) {
	ctx := context.Background()
	var keys []string
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list", "", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	out := make([]ObjectLock, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 16)
	done := make(chan struct{})
	for i, k := range keys {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; done <- struct{}{} }()
			h, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(k)})
			name := strings.TrimPrefix(k, s.prefix)
			if err != nil {
				errs[i] = s.fail("head", name, err)
				return
			}
			out[i] = ObjectLock{Name: name, Mode: string(h.ObjectLockMode), LegalHold: h.ObjectLockLegalHoldStatus == types.ObjectLockLegalHoldStatusOn}
			if h.ObjectLockRetainUntilDate != nil {
				out[i].Until = *h.ObjectLockRetainUntilDate
			}
		}()
	}
	for range keys {
		<-done
	}
	return out, errors.Join(errs...)
}

// SetLegalHold puts (or lifts) an Object Lock legal hold on every object
// under the prefix, and on every object this store writes from now on.
func (s *S3) SetLegalHold(on bool) (int, error) {
	locks, err := s.ObjectLocks()
	if err != nil {
		return 0, err
	}
	status := types.ObjectLockLegalHoldStatusOff
	if on {
		status = types.ObjectLockLegalHoldStatusOn
	}
	for i, l := range locks {
		_, err := s.client.PutObjectLegalHold(context.Background(), &s3.PutObjectLegalHoldInput{
			Bucket: &s.bucket, Key: aws.String(s.key(l.Name)), LegalHold: &types.ObjectLockLegalHold{Status: status},
		})
		if err != nil {
			return i, s.fail("legal hold", l.Name, err)
		}
	}
	s.legalHold = on
	return len(locks), nil
}
