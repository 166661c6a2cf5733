package vault

import (
	"fmt"
	"sort"
	"time"

	"coffer/vault/store"
)

// Object Lock retention and legal holds: what object storage adds to a
// vault's own tamper evidence. The storage, not coffer, then refuses to
// delete or overwrite an object before its date (COMPLIANCE: nobody can;
// GOVERNANCE: a bucket admin with the bypass permission can). A folder
// has none: its owner's backups keep it.

// Retention is what Verify found of a vault's Object Lock state.
type Retention struct {
	Rule      store.Retention // the bucket's default rule (zero: none)
	Objects   int             // objects under the vault's prefix
	Earliest  time.Time       // the earliest retain-until date among them
	Unlocked  []string        // objects with no retain-until date, or one past
	LegalHold int             // objects under a legal hold
}

// String says it in one line for `coffer verify`.
func (r *Retention) String() string {
	if r.Rule.IsZero() && r.Earliest.IsZero() {
		return fmt.Sprintf("no Object Lock retention (%d objects)", r.Objects)
	}
	s := fmt.Sprintf("retention %s; earliest retain-until %s over %d objects", r.Rule, r.Earliest.UTC().Format("2006-01-02"), r.Objects)
	if r.LegalHold > 0 {
		s += fmt.Sprintf("; %d under legal hold", r.LegalHold)
	}
	return s
}

// checkRetention reads every object's lock state; nil for a folder.
func checkRetention(st store.Store, now time.Time) (*Retention, error) {
	s3, ok := st.(*store.S3)
	if !ok {
		return nil, nil
	}
	locks, err := s3.ObjectLocks()
	if err != nil {
		return nil, fmt.Errorf("vault: retention: %w", err)
	}
	r := &Retention{Rule: s3.Retention(), Objects: len(locks)}
	for _, l := range locks {
		if l.LegalHold {
			r.LegalHold++
		}
		if l.Until.IsZero() || !l.Until.After(now) {
			r.Unlocked = append(r.Unlocked, l.Name)
			continue
		}
		if r.Earliest.IsZero() || l.Until.Before(r.Earliest) {
			r.Earliest = l.Until
		}
	}
	sort.Strings(r.Unlocked)
	return r, nil
}

// SetLegalHold puts (on) or lifts an Object Lock legal hold on every
// object of the vault at dir, which must be on object storage; a hold
// keeps objects beyond their retention until lifted. It returns how many
// objects it changed.
func SetLegalHold(dir string, on bool) (int, error) {
	st, err := openStore(dir)
	if err != nil {
		return 0, err
	}
	s3, ok := st.(*store.S3)
	if !ok {
		return 0, fmt.Errorf("vault: %s: a legal hold needs object storage with Object Lock (s3://BUCKET/PREFIX)", st)
	}
	if _, err := readManifest(st); err != nil {
		return 0, err
	}
	n, err := s3.SetLegalHold(on)
	if err != nil {
		return n, fmt.Errorf("vault: legal hold: %w", err)
	}
	return n, nil
}
