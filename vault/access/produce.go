package access

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"coffer/vault"
	"coffer/vault/audit"
	"coffer/vault/production"
)

// ProduceRequest says what to produce, for whom and where.
type ProduceRequest struct {
	Query string
	// Recipients are the receiving party's age recipients (age1…,
	// age1pq1…, SSH or plugin): the package is encrypted to them only.
	Recipients []string
	Prefix     string // of the production numbers; default DefaultPrefix
	Digits     int    // zero-padded width; default DefaultDigits
	Custodian  string // for the load file; default the vault's name
	// Out is the file to write. It must not exist: a production is
	// never overwritten (and so never written to a terminal or device).
	Out string
}

// Production defaults.
const (
	DefaultPrefix = "PROD"
	DefaultDigits = 7
)

// Production is what Produce released: no content.
type Production struct {
	Query                            string
	Messages, Attachments, Documents int
	First, Last                      string
	Out                              string
	Size                             int64  // of the encrypted file
	SHA256                           string // of the encrypted file
	VaultID                          string
	Key                              ed25519.PublicKey // the vault signing key that signed the manifest
	Epoch                            int
}

// Produce releases every message query matches, with their attachments,
// as a production (coffer/vault/production) encrypted to req.Recipients
// and written to req.Out. In order: the production is announced in the
// audit trail (query, count, file, recipients); its numbers are reserved
// in the vault, whose record links that announcement; every id released
// is recorded, with the number range, before anything is written; the
// package is written to a temporary file beside Out and linked into place
// (Out appears whole or not at all); then the outcome is recorded. If any
// record fails nothing more happens; if the write fails after the
// reservation, the numbers stay used (a gap, never a reuse) and the
// failure is recorded.
func (s *Session) Produce(ctx context.Context, req ProduceRequest) (*Production, error) {
	if req.Prefix == "" {
		req.Prefix = DefaultPrefix
	}
	if req.Digits == 0 {
		req.Digits = DefaultDigits
	}
	if err := vault.ValidPrefix(req.Prefix); err != nil {
		return nil, fmt.Errorf("produce: %w", err)
	}
	if req.Digits < 1 || req.Digits > 12 {
		return nil, fmt.Errorf("produce: %d digits: want 1 to 12", req.Digits)
	}
	if len(req.Recipients) == 0 {
		return nil, errors.New("produce: no recipient: the package is encrypted to the receiving party")
	}
	var recipients []age.Recipient
	var names []string
	for _, r := range req.Recipients {
		rec, _, err := vault.ParseRecipient(r)
		if err != nil {
			return nil, fmt.Errorf("produce: recipient %q: %v", clip(r, 40), err)
		}
		recipients = append(recipients, rec)
		names = append(names, recipientName(r))
	}
	if err := checkOut(req.Out); err != nil {
		return nil, err
	}
	done, err := s.writing()
	if err != nil {
		return nil, err
	}
	defer done()
	ix := s.searcher()
	if ix == nil {
		return nil, ErrNoIndex
	}
	ids, err := ix.IDs(ctx, req.Query)
	if err != nil {
		return nil, err
	}
	msgs, err := s.lookup(ids)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("produce: %q matches no message: nothing to produce", req.Query)
	}
	// Production order: the vault's time order, ties by id.
	pos := make(map[*vault.Message]int, len(msgs))
	for _, m := range msgs {
		pos[m], _ = s.v.Position(m.ID)
	}
	slices.SortFunc(msgs, func(a, b *vault.Message) int { return pos[a] - pos[b] })
	ids = make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	if n := production.Numbers(msgs); len(fmt.Sprint(n)) > req.Digits {
		return nil, fmt.Errorf("produce: %d documents do not fit in %d digits (use more --digits)", n, req.Digits)
	}
	to := strings.Join(names, ", ")
	ev := audit.Event{Action: audit.ActionProduce, Query: req.Query, Count: len(msgs), Target: req.Out, Detail: "to " + to}
	link, err := s.announce(ev)
	if err != nil {
		return nil, err
	}
	n := production.Numbers(msgs)
	first, err := s.v.ReserveNumbers(req.Prefix, n, link)
	if err != nil {
		return nil, s.failed(audit.ActionProduce, req.Out, err)
	}
	span := production.Number(req.Prefix, req.Digits, first) + "-" + production.Number(req.Prefix, req.Digits, first+int64(n)-1)
	rel := ev
	rel.Detail, rel.Messages, rel.Sent = span+" to "+to, ids, sentOf(msgs)
	if err := s.record(rel); err != nil {
		return nil, fmt.Errorf("%w (numbers %s stay reserved)", err, span)
	}
	key, epoch := s.v.ProductionKey()
	opt := production.Options{VaultID: s.v.Manifest.VaultID, VaultName: s.v.Manifest.Name, Query: req.Query, Custodian: req.Custodian,
		Prefix: req.Prefix, Digits: req.Digits, First: first, Produced: time.Now(), Recipients: recipients,
		Key: key, Epoch: epoch, Sign: s.v.SignProduction}
	ar := s.v.AttachmentReader()
	attachment := func(i, j int) ([]byte, error) { return ar.Read(&msgs[i].Attachments[j]) }
	var sum *production.Summary
	size, hash, err := writeNew(req.Out, func(w io.Writer) error {
		var err error
		sum, err = production.Write(w, msgs, attachment, opt)
		return err
	})
	if err != nil {
		err = fmt.Errorf("produce: %s: %w (numbers %s stay reserved, unused)", req.Out, err, span)
		return nil, s.failed(audit.ActionProduce, req.Out, err)
	}
	res := &Production{Query: req.Query, Messages: sum.Messages, Attachments: sum.Attachments, Documents: sum.Documents,
		First: sum.First, Last: sum.Last, Out: req.Out, Size: size, SHA256: hash, VaultID: s.v.Manifest.VaultID, Key: key, Epoch: epoch}
	out := audit.Event{Action: audit.ActionProduce, Reason: audit.ReasonCommitted, Query: req.Query, Count: len(msgs), Target: req.Out,
		Detail: fmt.Sprintf("%s, %d document%s, sha256 %s", span, sum.Documents, map[bool]string{true: "s"}[sum.Documents != 1], hash)}
	if err := s.record(out); err != nil {
		return res, fmt.Errorf("the production is written, but its outcome was not recorded: %w", err)
	}
	return res, nil
}

// recipientName is how the trail names a recipient: whole when short (an
// X25519 or SSH key), else its kind and fingerprint (a post-quantum
// recipient is over a thousand characters).
func recipientName(r string) string {
	r = strings.TrimSpace(r)
	if len(r) <= 128 {
		return r
	}
	kind, _, _ := strings.Cut(r, "1")
	return kind + "1… (fingerprint " + vault.Fingerprint(r) + ")"
}

// checkOut refuses an output path that exists (a production is never
// overwritten, nor written to a terminal or device) or whose folder does
// not.
func checkOut(out string) error {
	if out == "" {
		return errors.New("produce: no output file")
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("produce: %s exists: a production is never overwritten (choose a new name)", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("produce: %w", err)
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return fmt.Errorf("produce: %s: its folder does not exist", out)
	}
	return nil
}

// writeNew writes a new file at path: into a temporary file in the same
// folder (it only ever holds the encrypted package), synced, then linked
// to path, which fails if path appeared meanwhile, so that path holds the
// whole file or nothing and nothing is overwritten. It returns the size
// and SHA-256 of what it wrote.
func writeNew(path string, write func(io.Writer) error) (int64, string, error) {
	var b [8]byte
	rand.Read(b[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(b[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(tmp)
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	if err != nil {
		return 0, "", err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return cw.n, hex.EncodeToString(h.Sum(nil)), nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
