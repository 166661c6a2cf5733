package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"coffer/vault/store"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"
)

// A Checkpoint is a signed statement of how far every session's tree had
// grown when an auditor took it: the RFC 6962 tree head (size and root) of
// each session. The auditor keeps it away from the vault; verifying with
// it later proves every session it names still extends it, which is the
// only way to catch a cut-off tail or a deleted latest session.
//
// It is signed with an Ed25519 key derived from the auditor's own age
// identity (CheckpointKey), not with anything the vault holds: a reviewer
// or whoever takes the machine has the vault key and the auditors'
// recipients, and could otherwise sign a smaller checkpoint of a trail
// they cut. A per-session key sealed to the auditors would not do either:
// the process that wrote the session knew it. The public key is in the
// checkpoint so that an auditor can publish it and anyone can check a
// checkpoint's signature with VerifySignature.
type Checkpoint struct {
	Time  time.Time
	Heads []Head
	Key   ed25519.PublicKey
	Sig   []byte
}

// Head is one session's tree head.
type Head struct {
	Session string
	Size    uint64 // records, header included
	Root    tlog.Hash
}

const (
	checkpointLine = "coffer audit checkpoint v1"
	checkpointInfo = "coffer audit checkpoint ed25519 v1"
	maxCheckpoint  = 4 << 20
)

// ErrCheckpointKey is returned when no identity given derives the key that
// signed a checkpoint.
var ErrCheckpointKey = errors.New("audit: checkpoint was not signed by any of these identities")

// CheckpointKey derives the checkpoint signing key of an auditor identity:
// Ed25519 with seed HKDF-SHA-256 over the identity's secret encoding. Only
// identities whose secret is at hand can sign (age X25519 and hybrid
// identities); plugin (hardware) identities cannot, by design.
func CheckpointKey(id age.Identity) (ed25519.PrivateKey, error) {
	s, ok := id.(interface{ String() string })
	if !ok || !strings.HasPrefix(s.String(), "AGE-SECRET-KEY-") {
		return nil, fmt.Errorf("audit: a %T cannot sign checkpoints; use an age X25519 or hybrid identity", id)
	}
	seed, err := hkdf.Key(sha256.New, []byte(s.String()), nil, checkpointInfo, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("audit: derive checkpoint key: %v", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewCheckpoint verifies the trail of the vault stored in st and returns a checkpoint of it
// signed with the first identity that can sign. It refuses a trail that
// does not verify.
func NewCheckpoint(st store.Store, identities []age.Identity) (*Checkpoint, error) {
	var key ed25519.PrivateKey
	var kerr error
	for _, id := range identities {
		if key, kerr = CheckpointKey(id); kerr == nil {
			break
		}
	}
	if key == nil {
		if kerr == nil {
			kerr = errors.New("audit: no identity")
		}
		return nil, kerr
	}
	rep, err := Verify(st, identities, nil)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Time: now().UTC().Truncate(time.Second)}
	for _, s := range rep.Sessions {
		if s.Entries > 0 {
			c.Heads = append(c.Heads, Head{Session: s.Session, Size: s.Entries, Root: s.Root})
		}
	}
	c.Key = key.Public().(ed25519.PublicKey)
	c.Sig = ed25519.Sign(key, c.body())
	return c, nil
}

// body is the signed part of the text form.
func (c *Checkpoint) body() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\ntime %s\n", checkpointLine, c.Time.UTC().Format(time.RFC3339))
	for _, h := range c.Heads {
		fmt.Fprintf(&b, "%s %d %s\n", h.Session, h.Size, h.Root)
	}
	return b.Bytes()
}

// Marshal returns the checkpoint's text form (FORMAT.md, "Checkpoints").
func (c *Checkpoint) Marshal() []byte {
	b := c.body()
	return fmt.Appendf(b, "-- %s %s\n", base64.StdEncoding.EncodeToString(c.Key), base64.StdEncoding.EncodeToString(c.Sig))
}

// ParseCheckpoint parses the text form. It checks the form only; Verify
// (or VerifySignature) checks the signature.
func ParseCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) > maxCheckpoint {
		return nil, errors.New("audit: checkpoint: too large")
	}
	bad := func(line int, msg string) error {
		return fmt.Errorf("audit: checkpoint: line %d: %s", line, msg)
	}
	c := &Checkpoint{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<16)
	line := 0
	done := false
	for sc.Scan() {
		line++
		t := sc.Text()
		switch {
		case done:
			return nil, bad(line, "text after the signature")
		case line == 1:
			if t != checkpointLine {
				return nil, bad(line, "not a coffer audit checkpoint")
			}
		case line == 2:
			v, ok := strings.CutPrefix(t, "time ")
			tm, err := time.Parse(time.RFC3339, v)
			if !ok || err != nil {
				return nil, bad(line, "bad time")
			}
			c.Time = tm.UTC()
		case strings.HasPrefix(t, "-- "):
			f := strings.Fields(t[3:])
			if len(f) != 2 {
				return nil, bad(line, "bad signature line")
			}
			k, err1 := base64.StdEncoding.DecodeString(f[0])
			s, err2 := base64.StdEncoding.DecodeString(f[1])
			if err1 != nil || err2 != nil || len(k) != ed25519.PublicKeySize || len(s) != ed25519.SignatureSize {
				return nil, bad(line, "bad signature line")
			}
			c.Key, c.Sig = k, s
			done = true
		default:
			f := strings.Fields(t)
			if len(f) != 3 || !validSessionID(f[0]) {
				return nil, bad(line, "want: session size root")
			}
			n, err := strconv.ParseUint(f[1], 10, 63)
			if err != nil || n == 0 {
				return nil, bad(line, "bad size")
			}
			r, err := tlog.ParseHash(f[2])
			if err != nil {
				return nil, bad(line, "bad root")
			}
			if len(c.Heads) > 0 && c.Heads[len(c.Heads)-1].Session >= f[0] {
				return nil, bad(line, "sessions out of order")
			}
			c.Heads = append(c.Heads, Head{Session: f[0], Size: n, Root: r})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit: checkpoint: %v", err)
	}
	if !done {
		return nil, errors.New("audit: checkpoint: no signature")
	}
	if !bytes.Equal(c.Marshal(), b) {
		return nil, errors.New("audit: checkpoint: not in canonical form")
	}
	return c, nil
}

// VerifySignature checks the signature against a published key.
func (c *Checkpoint) VerifySignature(pub ed25519.PublicKey) error {
	if !bytes.Equal(pub, c.Key) {
		return ErrCheckpointKey
	}
	if !ed25519.Verify(pub, c.body(), c.Sig) {
		return errors.New("audit: checkpoint: bad signature")
	}
	return nil
}

// verifySignature checks the signature with the key one of the
// identities derives.
func (c *Checkpoint) verifySignature(identities []age.Identity) error {
	for _, id := range identities {
		k, err := CheckpointKey(id)
		if err != nil {
			continue
		}
		if pub := k.Public().(ed25519.PublicKey); bytes.Equal(pub, c.Key) {
			return c.VerifySignature(pub)
		}
	}
	return ErrCheckpointKey
}
