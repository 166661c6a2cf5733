package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// WhatsApp reads WhatsApp's "Export chat" output: the chat .txt alone, or
// the .zip made with "Attach media", whose files are linked to the
// messages that name them.
//
// A .txt is read twice, streaming, so memory stays flat whatever its
// size: the first pass hashes the file and collects what every message
// needs to know about the whole file (the date order, see dateOrders; the
// participants; the group's name), the second emits the messages.
var WhatsApp = Format{
	Name:   "whatsapp",
	Detect: detectWhatsApp,
	Parse:  parseWhatsApp,
}

const (
	// waProbeBytes is how much of a file Detect looks at.
	waProbeBytes = 4 << 10
	// waMaxParticipants bounds the participant list a hostile file can
	// grow; senders past it are still imported, just not listed.
	waMaxParticipants = 10_000
	// waMaxSeqEntries bounds the table that numbers identical messages.
	waMaxSeqEntries = 1 << 20
)

func detectWhatsApp(p string) bool {
	if IsZip(p) {
		z, err := OpenZip(p)
		if err != nil {
			return false
		}
		defer z.Close()
		f := waChatMember(z.Reader)
		if f == nil {
			return false
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		return looksLikeWhatsApp(rc)
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return looksLikeWhatsApp(f)
}

// looksLikeWhatsApp reports whether the first non-blank line of r is a
// WhatsApp message header. Signal's text export ("[2019-12-24, 12:23]
// Name: text") has the same shape; WhatsApp never writes bracketed
// ISO dates without seconds, so that one is left to the Signal reader.
func looksLikeWhatsApp(r io.Reader) bool {
	buf := make([]byte, waProbeBytes)
	n, _ := io.ReadFull(r, buf)
	buf = bytes.TrimPrefix(buf[:n], []byte("\xef\xbb\xbf"))
	for len(buf) > 0 {
		line := buf
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line, buf = buf[:i], buf[i+1:]
		} else {
			buf = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		h, ok := parseWAHeader(line, nil)
		return ok && !(h.bracket && h.sep == '-' && h.dlen[0] == 4 && !h.seconds)
	}
	return false
}

func parseWhatsApp(p string, opt Options, emit Emit) error {
	if IsZip(p) {
		return parseWhatsAppZip(p, opt, emit)
	}
	name := filepath.Base(p)
	// The file is read twice (a survey decides the date order); only the
	// second pass, the one that stores, counts as progress.
	surveyed := false
	open := func() (io.ReadCloser, error) {
		if !surveyed {
			surveyed = true
			return os.Open(p)
		}
		return opt.open(p)
	}
	w := newWAReader(name, opt)
	chat, _ := waChatFromFileName(name)
	if err := w.run(open, true, chat, strings.TrimSuffix(name, path.Ext(name)), emit); err != nil {
		return err
	}
	return nil
}

func parseWhatsAppZip(p string, opt Options, emit Emit) error {
	z, err := openZip(p, opt.Meter)
	if err != nil {
		return err
	}
	defer z.Close()
	f := waChatMember(z.Reader)
	if f == nil {
		return fmt.Errorf("%s: no WhatsApp chat .txt in the archive", z.Name)
	}
	sum, err := HashFile(p)
	if err != nil {
		return err
	}
	w := newWAReader(z.Name+"!"+f.Name, opt)
	w.sum = sum
	w.zip = z
	w.files = map[string]*zip.File{}
	for _, e := range z.File {
		if e != f && !waJunk(e) {
			if _, dup := w.files[path.Base(e.Name)]; !dup {
				w.files[path.Base(e.Name)] = e
			}
		}
	}
	open := func() (io.ReadCloser, error) {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", z.Name, f.Name, err)
		}
		return &boundedReader{ReadCloser: rc, n: int64(f.UncompressedSize64), name: z.Name + ": " + f.Name}, nil
	}
	chat, ok := waChatFromFileName(path.Base(f.Name))
	if !ok {
		chat, _ = waChatFromFileName(z.Name)
	}
	return w.run(open, false, chat, strings.TrimSuffix(z.Name, path.Ext(z.Name)), emit)
}

// waJunk reports archive members that are not part of the export: macOS
// resource forks and folders.
func waJunk(f *zip.File) bool {
	return strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(path.Base(f.Name), "._") ||
		strings.HasSuffix(f.Name, "/")
}

// waChatMember finds the chat text in an export archive: iOS calls it
// _chat.txt, Android names it after the chat ("WhatsApp Chat with X.txt",
// localised); a lone .txt is taken as the chat too.
func waChatMember(z *zip.Reader) *zip.File {
	var named, any *zip.File
	txt := 0
	for _, f := range z.File {
		if waJunk(f) || !strings.EqualFold(path.Ext(f.Name), ".txt") {
			continue
		}
		base := path.Base(f.Name)
		if base == "_chat.txt" {
			return f
		}
		txt++
		if named == nil && strings.Contains(base, "WhatsApp") {
			named = f
		}
		if any == nil {
			any = f
		}
	}
	if named != nil {
		return named
	}
	if txt == 1 {
		return any
	}
	return nil
}

// boundedReader fails a zip entry that decompresses to more than it
// declared, which OpenZip checked against the limits.
type boundedReader struct {
	io.ReadCloser
	n    int64
	name string
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n -= int64(n)
	if b.n < 0 {
		return n, fmt.Errorf("%s: %w (larger than declared)", b.name, ErrZipBomb)
	}
	return n, err
}

// waChatFromFileName returns the chat's name from the name WhatsApp gave
// the export ("WhatsApp Chat with Anna.txt" -> "Anna"), ignoring the
// " (1)" a browser adds to a second download, so that every export of one
// chat lands in the same conversation.
func waChatFromFileName(name string) (string, bool) {
	base := strings.TrimSuffix(name, path.Ext(name))
	if i := strings.LastIndex(base, " ("); i > 0 && strings.HasSuffix(base, ")") {
		if _, err := strconv.Atoi(base[i+2 : len(base)-1]); err == nil {
			base = base[:i]
		}
	}
	for _, t := range waLang().chatFile {
		if len(t.parts) != 2 {
			continue
		}
		for _, under := range []bool{false, true} {
			pre, post := string(t.parts[0]), string(t.parts[1])
			if under {
				// Copies that had their spaces replaced (WhatsApp_Chat_with_X).
				if strings.Contains(base, " ") {
					continue
				}
				pre, post = strings.ReplaceAll(pre, " ", "_"), strings.ReplaceAll(post, " ", "_")
			}
			i := 0
			if pre != "" {
				if i = strings.Index(base, pre); i < 0 {
					continue
				}
				i += len(pre)
			}
			if !strings.HasSuffix(base[i:], post) || len(base)-len(post) <= i {
				continue
			}
			name := base[i : len(base)-len(post)]
			if under {
				name = strings.ReplaceAll(name, "_", " ")
			}
			return strings.TrimSpace(name), true
		}
	}
	return "", false
}
