package ingest

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strings"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"

	"coffer/vault"
)

// Attachments of a mail: which parts are files, their names and bytes.

// attachments collects every non-body part. An attached message/rfc822
// is kept whole as an attachment and its own text is appended to body,
// so a search finds a forwarded mail's words.
func mailAttachments(env *enmime.Envelope, body *strings.Builder, depth int, warn []string) ([]vault.Attachment, []string) {
	var out []vault.Attachment
	seen := map[*enmime.Part]bool{}
	if depth == 0 && env.Root != nil {
		// The HTML the recipient saw is kept as sent: the body holds a
		// text version (the text/plain alternative, or a rendering),
		// which need not say the same. Attached messages keep theirs
		// inside their .eml.
		if h := env.Root.DepthMatchFirst(func(p *enmime.Part) bool {
			return p.ContentType == "text/html" && p.Disposition != "attachment"
		}); h != nil && len(h.Content) > 0 {
			seen[h] = true
			content, w := mailAttachmentBytes(h)
			if w != "" {
				warn = append(warn, w)
			}
			out = append(out, vault.Attachment{Name: "body.html", Type: "text/html", Content: content})
		}
	}
	var all []*enmime.Part
	all = append(all, env.Attachments...)
	all = append(all, env.Inlines...)
	all = append(all, env.OtherParts...)
	for _, p := range all {
		if seen[p] {
			continue
		}
		seen[p] = true
		isBody := (p.ContentType == "text/plain" || p.ContentType == "text/html") &&
			p.FileName == "" && p.Disposition != "attachment"
		if isBody || (len(p.Content) == 0 && p.FileName == "" && p.ContentType == "") {
			continue
		}
		if p.ContentType == "" && p.FileName == "" && p.Disposition != "attachment" {
			// RFC 2045 defaults a part without Content-Type to text/plain:
			// it is body text (often the signed part of multipart/signed).
			body.WriteString("\n")
			body.WriteString(mailText(string(p.Content)))
			continue
		}
		recovered := mailRecoverGluedBody(p)
		if recovered {
			warn = append(warn, fmt.Sprintf("part %s: body glued to its headers, recovered", p.PartID))
		}
		content, w := mailAttachmentBytes(p)
		if w != "" {
			warn = append(warn, w)
		}
		a := vault.Attachment{
			Name:    mailFileName(p),
			Type:    mailText(p.ContentType),
			Content: content,
		}
		if a.Content == nil {
			a.Content = []byte{}
		}
		if p.ContentType == "message/rfc822" || p.ContentType == "message/global" {
			if depth < mailMaxNested {
				nested, note, err := mailReadEnvelope(p.Content)
				if note != "" {
					warn = append(warn, note)
				}
				if err != nil {
					warn = append(warn, fmt.Sprintf("attached message %s unreadable: %s", p.PartID, mailText(err.Error())))
				} else {
					subj := strings.TrimSpace(mailHeader(nested, "Subject"))
					if a.Name == "" {
						a.Name = mailAttachedName(subj)
					}
					fmt.Fprintf(body, "\n\n---------- attached message ----------\nFrom: %s\nDate: %s\nSubject: %s\n\n%s",
						mailHeader(nested, "From"), mailHeader(nested, "Date"), subj, mailText(nested.Text))
					var inner []vault.Attachment
					inner, warn = mailAttachments(nested, body, depth+1, warn)
					out = append(out, inner...)
				}
			} else {
				warn = append(warn, "attached messages nested too deep: text not extracted")
			}
		}
		if a.Name == "" {
			a.Name = "part-" + p.PartID + mailExtension(p.ContentType)
		}
		out = append(out, a)
	}
	return out, warn
}

// mailRecoverGluedBody repairs a base64 part whose header block is not
// ended by a blank line (MimeKit issue 1189 shows one from a Gmail
// export): the parser takes the body as a continuation of the last
// header and leaves the part empty. The base64 run is moved back from
// the header into Content, and the header is cut before it so the file
// name is clean again.
func mailRecoverGluedBody(p *enmime.Part) bool {
	if len(p.Content) > 0 || !strings.EqualFold(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding")), "base64") {
		return false
	}
	keys := make([]string, 0, len(p.Header))
	for k := range p.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := p.Header[k]
		for j, v := range vs {
			f := strings.Fields(v)
			i := len(f)
			for i > 0 && mailBase64Token(f[i-1]) {
				i--
			}
			data := strings.Join(f[i:], "")
			if i == 0 || len(data) < 16 {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(data, "=")); err != nil {
					continue
				}
			}
			p.Content = b
			vs[j] = strings.Join(f[:i], " ")
			if p.FileName != "" {
				if n := p.ContentTypeParams["name"]; n != "" {
					p.FileName = n
				} else {
					p.FileName = strings.Trim(strings.Fields(p.FileName)[0], `"`)
				}
			}
			return true
		}
	}
	return false
}

func mailBase64Token(s string) bool {
	if len(s) < 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// mailAttachmentBytes returns an attachment's bytes as sent. enmime
// converts every text part to UTF-8, which would change a text file (and
// the SHA-256 a reviewer compares with the original); the conversion is
// undone with the charset it used.
func mailAttachmentBytes(p *enmime.Part) ([]byte, string) {
	cs := strings.ToLower(strings.TrimSpace(p.Charset))
	if !strings.HasPrefix(p.ContentType, "text/") || cs == "" || cs == "utf-8" || cs == "utf8" ||
		mailIsASCII(p.Content) {
		return p.Content, ""
	}
	for _, e := range p.Errors {
		if e.Name == enmime.ErrorCharsetConversion {
			return p.Content, "" // not converted: the bytes are the original
		}
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		enc, err = ianaindex.MIME.Encoding(cs)
	}
	if err == nil && enc != nil {
		if b, err := enc.NewEncoder().Bytes(p.Content); err == nil {
			return b, ""
		}
	}
	return p.Content, fmt.Sprintf("attachment %q: original %s bytes lost, kept as UTF-8", mailText(p.FileName), cs)
}

// mailFileName returns the part's file name. enmime decodes RFC 2231 and
// 2047 names; when it gave up (a name* parameter whose bytes do not match
// its declared charset), the raw parameter is percent-decoded here.
func mailFileName(p *enmime.Part) string {
	if p.FileName != "" {
		return mailText(p.FileName)
	}
	for _, h := range []string{"Content-Disposition", "Content-Type"} {
		v := p.Header.Get(h)
		for _, key := range []string{"filename*=", "name*=", "filename*0*=", "name*0*="} {
			i := strings.Index(strings.ToLower(v), key)
			if i < 0 || (i > 0 && key[0] == 'n' && v[i-1] != ' ' && v[i-1] != ';' && v[i-1] != '\t') {
				continue
			}
			val := strings.Trim(strings.SplitN(v[i+len(key):], ";", 2)[0], " \t\"")
			if k := strings.LastIndexByte(val, '\''); k >= 0 {
				val = val[k+1:]
			}
			if dec, err := url.PathUnescape(val); err == nil && dec != "" {
				return mailText(dec)
			}
		}
	}
	return ""
}

func mailAttachedName(subject string) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, subject)
	if len(name) > 80 {
		name = strings.ToValidUTF8(name[:80], "")
	}
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}

func mailExtension(ctype string) string {
	switch ctype {
	case "message/rfc822":
		return ".eml"
	case "text/plain":
		return ".txt"
	}
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
		return exts[0]
	}
	return ""
}
