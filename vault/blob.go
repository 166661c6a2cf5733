package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"filippo.io/age"
)

// Attachment content lives in blob files: age-encrypted concatenations of
// attachment bytes, named by the manifest like segments. A message holds
// the blob name, offset and length; age's seekable decryption reads one
// attachment without decrypting the rest. Unlock never reads blobs.
const blobTargetBytes = 256 << 20

// blobWriter streams a blob file into the store: the store's Create runs
// in a goroutine reading a pipe, so a blob of many attachments is never
// whole in this process's memory (object storage holds its ciphertext to
// send it in one PUT).
type blobWriter struct {
	name string
	pw   *io.PipeWriter
	done chan error // Create's result
	aw   io.WriteCloser
	h    *hashingWriter
	off  int64
}

var errBlobDiscarded = errors.New("blob discarded")

func (a *Appender) storeBlob(content []byte) (BlobRef, error) {
	if a.blob != nil && a.blob.off+int64(len(content)) > blobTargetBytes && a.blob.off > 0 {
		if err := a.closeBlob(); err != nil {
			return BlobRef{}, err
		}
	}
	if a.blob == nil {
		name := newName("blobs", a.seq, a.blobs, a.writer)
		a.blobs++
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := a.st.Create(name, func(w io.Writer) error { _, err := io.Copy(w, pr); return err })
			pr.CloseWithError(err) // a writer still writing learns it failed
			done <- err
		}()
		h := newHashingWriter()
		aw, err := age.Encrypt(io.MultiWriter(pw, h), a.recipient)
		if err != nil {
			pw.CloseWithError(errBlobDiscarded)
			<-done
			return BlobRef{}, err
		}
		a.blob = &blobWriter{name: name, pw: pw, done: done, aw: aw, h: h}
	}
	b := a.blob
	if _, err := b.aw.Write(content); err != nil {
		return BlobRef{}, fmt.Errorf("vault: write %s: %w", b.name, err)
	}
	ref := BlobRef{Blob: b.name, Offset: b.off, Length: int64(len(content))}
	b.off += int64(len(content))
	return ref, nil
}

func (a *Appender) closeBlob() error {
	b := a.blob
	if b == nil {
		return nil
	}
	a.blob = nil
	err := b.aw.Close()
	if err != nil {
		b.pw.CloseWithError(err)
	} else {
		b.pw.Close()
	}
	if cerr := <-b.done; err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("vault: write %s: %w", b.name, err)
	}
	a.created = append(a.created, b.name)
	a.files = append(a.files, importRef{Kind: "blob", fileRef: fileRef{Name: b.name, SHA256: b.h.sum(), Size: b.h.n}})
	return nil
}

func (b *blobWriter) discard() {
	b.pw.CloseWithError(errBlobDiscarded)
	<-b.done
}

// Attachment returns the content of an attachment, after checking its
// blob file against the manifest.
func (v *Vault) Attachment(a *Attachment) ([]byte, error) {
	return v.AttachmentReader().Read(a)
}

// AttachmentReader reads attachments one after another, keeping the blob
// file it read last: reading the attachments of many messages in time
// order (a production) reads, checks and opens each blob file once rather
// than once per attachment.
type AttachmentReader struct {
	v    *Vault
	name string // the blob file open in ra
	ra   io.ReaderAt
	size int64
}

// AttachmentReader returns a reader of the loaded vault's attachments.
func (v *Vault) AttachmentReader() *AttachmentReader { return &AttachmentReader{v: v} }

// Read returns the content of an attachment, after checking its blob file
// against the manifest (when the file is not the one read last).
func (r *AttachmentReader) Read(a *Attachment) ([]byte, error) {
	v := r.v
	if a.Ref.Blob == "" {
		return nil, fmt.Errorf("vault: attachment %q was not included in the export", a.Name)
	}
	if a.Ref.Blob != r.name {
		e := v.Manifest.files[a.Ref.Blob]
		if e == nil || e.Kind != "blob" {
			return nil, tamper(a.Ref.Blob, "not named by the manifest")
		}
		data, _, err := readChecked(v.st, e, nil)
		if err != nil {
			return nil, err
		}
		k, err := v.keyFor(e)
		if err != nil {
			return nil, err
		}
		ra, size, err := age.DecryptReaderAt(bytes.NewReader(data), int64(len(data)), k.Identity)
		if err != nil {
			return nil, tamper(e.Name, "cannot be decrypted: %v", err)
		}
		r.name, r.ra, r.size = a.Ref.Blob, ra, size
	}
	if a.Ref.Offset < 0 || a.Ref.Length < 0 || a.Ref.Offset+a.Ref.Length > r.size {
		return nil, tamper(r.name, "attachment %q lies outside the blob", a.Name)
	}
	out := make([]byte, a.Ref.Length)
	if _, err := r.ra.ReadAt(out, a.Ref.Offset); err != nil && err != io.EOF {
		return nil, tamper(r.name, "%v", err)
	}
	return out, nil
}

type hashingWriter struct {
	h hash.Hash
	n int64
}

func newHashingWriter() *hashingWriter { return &hashingWriter{h: sha256.New()} }

func (w *hashingWriter) Write(p []byte) (int, error) {
	w.h.Write(p)
	w.n += int64(len(p))
	return len(p), nil
}

func (w *hashingWriter) sum() string { return hex.EncodeToString(w.h.Sum(nil)) }
