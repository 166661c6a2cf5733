package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// MailArchive is a compliance archiver's SFTP drop: a ZIP of .eml files
// with a .mf manifest whose "Count:" line states how many messages the
// drop holds. A count that does not match the EML files in the archive
// fails the import, whatever Options.Lenient says: it means the drop was
// cut short or tampered with, and importing part of it would hide that.
var MailArchive = Format{
	Name:   "mailarchive",
	Detect: detectMailArchive,
	Parse:  parseMailArchive,
}

// mailMaxManifest bounds the manifest, which is a few lines of text.
const mailMaxManifest = 1 << 20

// ErrManifestCount is wrapped by the error for a drop whose manifest
// count does not match its EML files.
var ErrManifestCount = errors.New("manifest count does not match the archive")

// detectMailArchive looks for a .mf member without reading the whole
// central directory: in the first local header and in the central
// directory records within the last 16 KiB of the file.
func detectMailArchive(p string) bool {
	if !IsZip(p) {
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if len(head) >= 30 {
		nameLen := int(binary.LittleEndian.Uint16(head[26:]))
		if 30+nameLen <= len(head) && mailIsManifest(string(head[30:30+nameLen])) {
			return true
		}
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	off := max(st.Size()-16<<10, 0)
	tail := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(tail, off); err != nil && err != io.EOF {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(tail[i:], []byte("PK\x01\x02"))
		if j < 0 {
			return false
		}
		rec := tail[i+j:]
		if len(rec) >= 46 {
			nameLen := int(binary.LittleEndian.Uint16(rec[28:]))
			if 46+nameLen <= len(rec) && mailIsManifest(string(rec[46:46+nameLen])) {
				return true
			}
		}
		i += j + 4
	}
}

func mailIsManifest(name string) bool {
	base := path.Base(name)
	return strings.HasSuffix(strings.ToLower(base), ".mf") && !strings.HasPrefix(base, "._") &&
		!strings.HasPrefix(name, "__MACOSX/")
}

func mailIsEML(name string) bool {
	base := path.Base(name)
	return strings.HasSuffix(strings.ToLower(base), ".eml") && !strings.HasPrefix(base, "._") &&
		!strings.HasPrefix(name, "__MACOSX/")
}

func parseMailArchive(p string, opt Options, emit Emit) error {
	opt = opt.resolved()
	z, err := openZip(p, opt.Meter)
	if err != nil {
		return err
	}
	defer z.Close()
	sum, err := HashFile(p)
	if err != nil {
		return err
	}
	var manifests, emls []*zip.File
	for _, f := range z.File {
		switch {
		case f.FileInfo().IsDir():
		case mailIsManifest(f.Name):
			manifests = append(manifests, f)
		case mailIsEML(f.Name):
			emls = append(emls, f)
		}
	}
	switch len(manifests) {
	case 0:
		return &Error{File: z.Name, Err: errors.New("no .mf manifest in the archive")}
	case 1:
	default:
		return &Error{File: z.Name, Err: fmt.Errorf("%d .mf manifests in the archive, expected one", len(manifests))}
	}
	mf := manifests[0]
	mfName := z.Name + "!" + mf.Name
	if mf.UncompressedSize64 > mailMaxManifest {
		return &Error{File: mfName, Err: fmt.Errorf("manifest larger than %d bytes", mailMaxManifest)}
	}
	data, err := z.ReadEntry(mf)
	if err != nil {
		return err
	}
	count, line, err := mailManifestCount(data)
	if err != nil {
		return &Error{File: mfName, Line: line, Err: err}
	}
	if count != len(emls) {
		return &Error{File: mfName, Line: line, Err: fmt.Errorf("%w: manifest says Count: %d but the archive holds %d EML files",
			ErrManifestCount, count, len(emls))}
	}
	created := mailManifestCreated(data)
	for i, f := range emls {
		raw, size, err := mailReadZipMember(z, f)
		if err != nil {
			return err
		}
		src := emailSource{format: "mailarchive", file: z.Name + "!" + f.Name, fileSHA256: sum,
			position: fmt.Sprintf("message %d", i+1), manifestTime: created}
		if size > int64(len(raw)) {
			src.size = size
		}
		if err := emitEmail(raw, src, opt, emit); err != nil {
			return err
		}
	}
	return nil
}

// mailManifestCount returns the value of the manifest's Count: line and the
// line it is on.
func mailManifestCount(data []byte) (int, int, error) {
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	for line := 1; sc.Scan(); line++ {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "count") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return 0, line, fmt.Errorf("bad Count: %q", strings.TrimSpace(v))
		}
		return n, line, nil
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	return 0, 0, errors.New("manifest has no Count: line")
}

// mailManifestCreated returns the time of the manifest's "Created:" line
// (RFC 3339), or the zero time. The archiver wrote the drop then, so it
// bounds when its mail was sent: the last resort for a message's time.
func mailManifestCreated(data []byte) time.Time {
	sc := bufio.NewScanner(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "created") {
			if t, err := time.Parse(time.RFC3339, strings.TrimSpace(v)); err == nil && t.Year() >= 1900 {
				return t
			}
			return time.Time{}
		}
	}
	return time.Time{}
}

// mailReadZipMember reads one member, keeping at most MaxEmailBytes of it.
func mailReadZipMember(z *Zip, f *zip.File) ([]byte, int64, error) {
	if f.UncompressedSize64 <= MaxEmailBytes {
		b, err := z.ReadEntry(f)
		return b, int64(len(b)), err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %s: %w", z.Name, f.Name, err)
	}
	defer rc.Close()
	// archive/zip fails a member that inflates past its declared size,
	// so the discarded tail is bounded by OpenZip's limits.
	b, size, err := mailReadCapped(rc, MaxEmailBytes)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %s: %w", z.Name, f.Name, err)
	}
	return b, size, nil
}
