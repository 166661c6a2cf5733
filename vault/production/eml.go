package production

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"coffer/vault"
)

// emlHeaders are the stored headers an EML carries again, in this order;
// From, To, Date, Subject and Message-ID are rebuilt from the message's
// own fields.
var emlHeaders = []string{"Cc", "Bcc", "Reply-To", "In-Reply-To", "References"}

// writeEML rebuilds an email from its stored fields: RFC 5322 headers
// (non-ASCII words as RFC 2047 encoded words), a text/plain UTF-8 body in
// quoted-printable, CRLF line ends. The vault keeps the decoded message,
// not the bytes received, so this is a faithful rendering, not the
// original: its attachments are produced as documents of their own and
// named in X-Coffer-Attachment headers.
func writeEML(b *bytes.Buffer, m *vault.Message, num string, atts []attDoc) {
	hdr := func(k, v string) {
		v = headerText(v)
		if v == "" {
			return
		}
		fold(b, k+": "+v)
	}
	id := m.Headers["Message-ID"]
	if id == "" {
		id = "<" + m.ID + "@coffer.invalid>"
	}
	hdr("Message-ID", id)
	hdr("Date", m.Time.In(time.FixedZone("", m.Offset)).Format(time.RFC1123Z))
	hdr("From", address(m.Sender, m.SenderID))
	to := m.Headers["To"]
	if to == "" {
		to = strings.Join(m.To, ", ")
	}
	hdr("To", addressList(to))
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	for _, k := range emlHeaders {
		if v := m.Headers[k]; v != "" {
			if k == "Cc" || k == "Bcc" || k == "Reply-To" {
				v = addressList(v)
			}
			hdr(k, v)
		}
	}
	hdr("X-Coffer-Id", m.ID)
	hdr("X-Coffer-Production", num)
	for _, a := range atts {
		hdr("X-Coffer-Attachment", fmt.Sprintf("%s; production=%s; sha256=%s", mime.QEncoding.Encode("utf-8", a.att.Name), a.num, a.sum))
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(b)
	qp.Write([]byte(m.Body))
	qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}

// headerText makes an untrusted value one header line: no CR, LF or
// other control character can end the header or start another.
func headerText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

func address(name, addr string) string {
	if addr == "" || !strings.Contains(addr, "@") {
		return mime.QEncoding.Encode("utf-8", strings.TrimSpace(name+" "+addr))
	}
	if name == addr {
		name = ""
	}
	return (&mail.Address{Name: name, Address: addr}).String()
}

// addressList re-encodes a decoded address list ("Heinz Müller <h@x>, …")
// for a header; what does not parse is written as encoded words.
func addressList(s string) string {
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return mime.QEncoding.Encode("utf-8", s)
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}

// fold writes a header line folded at spaces to lines of at most 78
// characters where it can (RFC 5322, 2.2.3).
func fold(b *bytes.Buffer, line string) {
	for len(line) > 78 {
		i := strings.LastIndexByte(line[:78], ' ')
		if i <= 0 {
			j := strings.IndexByte(line[1:], ' ')
			if j < 0 {
				break
			}
			i = j + 1
		}
		b.WriteString(line[:i])
		b.WriteString("\r\n")
		line = line[i:] // the space starts the continuation line
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
