package production

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"filippo.io/age"

	"coffer/vault"
)

// Format names the package layout in manifest.json.
const Format = "coffer-production-v1"

// Package entries that are not documents.
const (
	LoadFile     = "loadfile.csv"
	ManifestFile = "manifest.json"
	SigFile      = "manifest.sig"
)

// LoadFileColumns are loadfile.csv's columns, in order (README,
// Productions, says what each holds).
var LoadFileColumns = []string{"BEGBATES", "ENDBATES", "BEGATTACH", "ENDATTACH", "PARENT_BATES", "CUSTODIAN",
	"SOURCE", "CONVERSATION", "DATE_SENT", "FROM", "TO", "SUBJECT", "FILENAME", "SHA256", "NATIVE_PATH", "TEXT_PATH"}

// Options say how to number, describe, encrypt and sign a production.
type Options struct {
	VaultID, VaultName string
	Query              string
	Custodian          string
	Prefix             string
	Digits             int   // zero-padded width of the sequence
	First              int64 // the first production number (vault.ReserveNumbers)
	Produced           time.Time
	Recipients         []age.Recipient
	// Key and Epoch name the vault signing key that Sign signs
	// manifest.json with (vault.Vault.ProductionKey, SignProduction).
	Key   ed25519.PublicKey
	Epoch int
	Sign  func(manifest []byte) vault.ProductionSignature
}

// Manifest is manifest.json: what the production holds and who made it.
type Manifest struct {
	Format    string    `json:"format"`
	VaultID   string    `json:"vault_id"`
	VaultName string    `json:"vault_name"`
	Produced  time.Time `json:"produced"`
	Query     string    `json:"query"`
	Custodian string    `json:"custodian"`
	First     string    `json:"first"`
	Last      string    `json:"last"`
	Messages  int       `json:"messages"`
	// Attachments counts the attachments produced (their content was in
	// the vault); the load file lists the others' names in their
	// message's row only.
	Attachments int `json:"attachments"`
	// Signer is the vault signing key that signs this manifest and the
	// vault epoch it belongs to.
	Signer Signer `json:"signer"`
	Files  []File `json:"files"`
}

// Signer names the key that signed a manifest.
type Signer struct {
	Epoch     int    `json:"epoch"`
	PublicKey string `json:"public_key"` // Ed25519, base64
}

// File is one entry of the package.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Summary is what a production wrote: no content.
type Summary struct {
	First, Last         string
	Messages, Documents int
	Attachments         int
	Bytes               int64 // of the files in the package, before encryption
	Signer              vault.ProductionSignature
	ManifestSHA256      string
	Files               int
}

// Stored reports whether a's content is in the vault, so that it is
// produced (and numbered).
func Stored(a *vault.Attachment) bool { return !a.Missing && a.Ref.Blob != "" }

// Numbers is how many production numbers msgs need: one per message and
// one per stored attachment.
func Numbers(msgs []*vault.Message) int {
	n := len(msgs)
	for _, m := range msgs {
		for i := range m.Attachments {
			if Stored(&m.Attachments[i]) {
				n++
			}
		}
	}
	return n
}

// Number formats production number n.
func Number(prefix string, digits int, n int64) string {
	return fmt.Sprintf("%s%0*d", prefix, digits, n)
}

// Write writes the production of msgs, numbered in the order given, to w,
// age-encrypted to opt.Recipients: nothing reaches w unencrypted.
// attachment returns the content of msgs[i].Attachments[j].
func Write(w io.Writer, msgs []*vault.Message, attachment func(i, j int) ([]byte, error), opt Options) (*Summary, error) {
	if len(opt.Recipients) == 0 {
		return nil, errors.New("production: no recipient")
	}
	if opt.Sign == nil {
		return nil, errors.New("production: no signer")
	}
	if err := vault.ValidPrefix(opt.Prefix); err != nil {
		return nil, fmt.Errorf("production: %w", err)
	}
	last := opt.First + int64(Numbers(msgs)) - 1
	if opt.Digits < 1 || len(fmt.Sprint(last)) > opt.Digits {
		return nil, fmt.Errorf("production: number %d does not fit in %d digits (use more --digits)", last, opt.Digits)
	}
	enc, err := age.Encrypt(w, opt.Recipients...)
	if err != nil {
		return nil, fmt.Errorf("production: %w", err)
	}
	bw := bufio.NewWriterSize(enc, 1<<20)
	sum, err := writeTar(bw, msgs, attachment, opt)
	if err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return sum, nil
}

// attDoc is an attachment being produced.
type attDoc struct {
	att *vault.Attachment
	num string
	sum string
}

// packer writes tar entries and keeps the manifest's list.
type packer struct {
	tw    *tar.Writer
	files []File
	bytes int64
}

// maxTarTime is the latest time a USTAR header holds.
var maxTarTime = time.Unix(1<<33-1, 0)

func (p *packer) add(name string, data []byte, mtime time.Time) error {
	if mtime.Before(time.Unix(0, 0)) || mtime.After(maxTarTime) {
		mtime = time.Unix(0, 0)
	}
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644,
		ModTime: mtime.UTC().Truncate(time.Second), Format: tar.FormatUSTAR}
	if err := p.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("production: %s: %w", name, err)
	}
	if _, err := p.tw.Write(data); err != nil {
		return err
	}
	s := sha256.Sum256(data)
	p.files = append(p.files, File{Path: name, Size: int64(len(data)), SHA256: hex.EncodeToString(s[:])})
	p.bytes += int64(len(data))
	return nil
}

// writeTar writes the package's plaintext: a tar archive.
func writeTar(w io.Writer, msgs []*vault.Message, attachment func(i, j int) ([]byte, error), opt Options) (*Summary, error) {
	p := &packer{tw: tar.NewWriter(w)}
	var load bytes.Buffer
	lf := csv.NewWriter(&load)
	lf.UseCRLF = true
	lf.Write(LoadFileColumns)
	num := opt.First
	next := func() string { n := Number(opt.Prefix, opt.Digits, num); num++; return n }
	custodian := opt.Custodian
	if custodian == "" {
		custodian = opt.VaultName
	}
	var newest time.Time
	var buf bytes.Buffer
	sum := &Summary{Messages: len(msgs)}
	for i, m := range msgs {
		if m.Time.After(newest) {
			newest = m.Time
		}
		mnum := next()
		var atts []attDoc
		var contents [][]byte
		var missing []string
		for j := range m.Attachments {
			a := &m.Attachments[j]
			if !Stored(a) {
				missing = append(missing, a.Name)
				continue
			}
			data, err := attachment(i, j)
			if err != nil {
				return nil, fmt.Errorf("production: message %s: attachment %d: %w", m.ID, j+1, err)
			}
			s := sha256.Sum256(data)
			atts = append(atts, attDoc{att: a, num: next(), sum: hex.EncodeToString(s[:])})
			contents = append(contents, data)
		}
		buf.Reset()
		native, text := "", ""
		if m.Source == "email" {
			native = "messages/" + mnum + ".eml"
			writeEML(&buf, m, mnum, atts)
			if err := p.add(native, buf.Bytes(), m.Time); err != nil {
				return nil, err
			}
		} else {
			text, native = "messages/"+mnum+".txt", "messages/"+mnum+".jsonl"
			transcript(&buf, m, atts)
			if err := p.add(text, buf.Bytes(), m.Time); err != nil {
				return nil, err
			}
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(m); err != nil {
				return nil, fmt.Errorf("production: message %s: %w", m.ID, err)
			}
			if err := p.add(native, buf.Bytes(), m.Time); err != nil {
				return nil, err
			}
		}
		begAttach, endAttach := "", ""
		if len(atts) > 0 {
			begAttach, endAttach = mnum, atts[len(atts)-1].num
		}
		conv := m.Conversation.Title
		if conv == "" {
			conv = m.Conversation.ID
		}
		to := strings.Join(m.To, "; ")
		from := m.Sender
		if m.SenderID != "" && m.SenderID != m.Sender {
			from = strings.TrimSpace(m.Sender + " <" + m.SenderID + ">")
		}
		sent := m.Time.UTC().Format(time.RFC3339)
		msgFile := p.files[len(p.files)-1]
		filename := path.Base(native)
		if len(missing) > 0 {
			filename += " (not in the vault: " + strings.Join(missing, "; ") + ")"
		}
		lf.Write([]string{mnum, mnum, begAttach, endAttach, "", custodian, m.Source, conv, sent, from, to, m.Subject,
			filename, msgFile.SHA256, native, text})
		for k, a := range atts {
			name := "attachments/" + a.num + extension(a.att.Name)
			if err := p.add(name, contents[k], m.Time); err != nil {
				return nil, err
			}
			lf.Write([]string{a.num, a.num, begAttach, endAttach, mnum, custodian, m.Source, conv, sent, from, to, m.Subject,
				a.att.Name, a.sum, name, ""})
			sum.Attachments++
		}
	}
	lf.Flush()
	if err := lf.Error(); err != nil {
		return nil, err
	}
	if err := p.add(LoadFile, load.Bytes(), newest); err != nil {
		return nil, err
	}
	sum.First, sum.Last = Number(opt.Prefix, opt.Digits, opt.First), Number(opt.Prefix, opt.Digits, num-1)
	sum.Documents = int(num - opt.First)
	man := Manifest{Format: Format, VaultID: opt.VaultID, VaultName: opt.VaultName, Produced: opt.Produced.UTC().Truncate(time.Second),
		Query: opt.Query, Custodian: custodian, First: sum.First, Last: sum.Last, Messages: len(msgs), Attachments: sum.Attachments,
		Files: p.files}
	// The signer is named inside what it signs; what makes it the
	// vault's is that its key is the one the receiver pins (Verify).
	man.Signer = Signer{Epoch: opt.Epoch, PublicKey: base64.StdEncoding.EncodeToString(opt.Key)}
	mj, err := json.MarshalIndent(&man, "", " ")
	if err != nil {
		return nil, err
	}
	mj = append(mj, '\n')
	sig := opt.Sign(mj)
	if !sig.PublicKey.Equal(opt.Key) {
		return nil, errors.New("production: signed with another key than the one named")
	}
	sum.Files = len(p.files)
	sum.Bytes = p.bytes
	if err := p.add(ManifestFile, mj, man.Produced); err != nil {
		return nil, err
	}
	if err := p.add(SigFile, []byte(base64.StdEncoding.EncodeToString(sig.Signature)+"\n"), man.Produced); err != nil {
		return nil, err
	}
	ms := sha256.Sum256(mj)
	sum.ManifestSHA256 = hex.EncodeToString(ms[:])
	sum.Signer = sig
	if err := p.tw.Close(); err != nil {
		return nil, err
	}
	return sum, nil
}

// transcript writes a chat message as a line of a transcript: local time
// with its offset, conversation, sender, text, and its attachments'
// production numbers.
func transcript(b *bytes.Buffer, m *vault.Message, atts []attDoc) {
	conv := m.Conversation.Title
	if conv == "" {
		conv = m.Conversation.ID
	}
	fmt.Fprintf(b, "[%s] %s | %s: %s", m.Time.In(time.FixedZone("", m.Offset)).Format("2006-01-02 15:04:05 -07:00"), conv, m.Sender, m.Body)
	for _, a := range atts {
		fmt.Fprintf(b, " [attachment %s: %s]", a.num, a.att.Name)
	}
	for j := range m.Attachments {
		if a := &m.Attachments[j]; !Stored(a) {
			fmt.Fprintf(b, " [attachment not in the vault: %s]", a.Name)
		}
	}
	b.WriteString("\n")
}

// extension is a file name's extension as a produced file keeps it: a
// dot and up to 10 ASCII letters and digits, lower case, or nothing.
func extension(name string) string {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/")))
	if len(ext) < 2 || len(ext) > 11 {
		return ""
	}
	for _, c := range ext[1:] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return ext
}
