package ingest

import (
	"slices"
	"strings"
	"unicode/utf8"

	"coffer/vault"
)

// Every string a format stores in a message is valid UTF-8: exports are
// meant to be, but a corrupt export, a file name on a Unix file system,
// or an error message quoting the bad bytes (an unreadable attached
// mail's "malformed MIME header initial line: 0\xcb", which FuzzEML
// found) can carry any byte. The vault's JSON export could not hold such
// a string (encoding/json writes U+FFFD), so the re-imported message
// would get another ID. Formats decode what they can (mail reads raw
// 8-bit text as Windows-1252); validate replaces whatever is left with
// U+FFFD before the ID is computed, so that the ID is that of the text
// stored.

// validate makes every string of m valid UTF-8, then checks it and fills
// in its ID (vault.Validate). Formats call it last, once m is complete.
// A format emitting many messages of one file keeps a textCheck instead,
// which does the same at a fraction of the cost.
func validate(m *vault.Message) error {
	var c textCheck
	return c.validate(m)
}

// textCheck is validate for a stream of messages. The messages of one
// file share most of their strings (the conversation and its participants,
// the provenance's file, hash and zone): a textCheck remembers the last
// ones it found valid and does not read them again while they are the
// same, which halves the checking of a chat message (issue 17). Equal
// strings are equally valid, so a cached answer is never wrong, and
// comparing a string with itself stops at the pointer. Participants are
// compared as the same slice, not element by element: formats share one
// slice between a conversation's messages and never change it in place
// (the messages already emitted hold it too).
type textCheck struct {
	conv               vault.Conversation
	file, sum, zone    string
	format, source     string
	haveConv, haveFile bool
}

func (c *textCheck) validate(m *vault.Message) error {
	if !c.validUTF8(m) {
		c.haveConv, c.haveFile = false, false
		eachText(m, func(s string) string {
			if utf8.ValidString(s) {
				return s
			}
			return strings.ToValidUTF8(s, "\uFFFD")
		})
	}
	return vault.Validate(m)
}

// validUTF8 reports whether every string eachText visits is valid UTF-8
// already, as it nearly always is. It checks the fields directly, without
// eachText's closure calls and comparisons, and skips those the previous
// valid message shared with this one.
func (c *textCheck) validUTF8(m *vault.Message) bool {
	ok := utf8.ValidString(m.ID) && utf8.ValidString(m.Kind) &&
		utf8.ValidString(m.Sender) && utf8.ValidString(m.SenderID) && utf8.ValidString(m.Subject) &&
		utf8.ValidString(m.Body) && utf8.ValidString(m.ReplyTo) && utf8.ValidString(m.ForwardedFrom) &&
		utf8.ValidString(m.Provenance.Position) && utf8.ValidString(m.Provenance.OriginalID) &&
		utf8.ValidString(m.Provenance.TimeSource) && utf8.ValidString(m.Provenance.SHA256)
	if !ok || !c.sameConv(m.Conversation) || !c.sameFile(&m.Provenance, m.Source) || !validAll(m.To) {
		return false
	}
	for _, a := range m.Attachments {
		if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Type) || !utf8.ValidString(a.SHA256) {
			return false
		}
	}
	for _, r := range m.Reactions {
		if !utf8.ValidString(r.Emoji) || !utf8.ValidString(r.By) {
			return false
		}
	}
	for k, v := range m.Headers {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// sameConv reports whether conv is valid, checking it only if it is not
// the conversation checked last.
func (c *textCheck) sameConv(conv vault.Conversation) bool {
	if c.haveConv && conv.ID == c.conv.ID && conv.Title == c.conv.Title && sameSlice(conv.Participants, c.conv.Participants) {
		return true
	}
	if !utf8.ValidString(conv.ID) || !utf8.ValidString(conv.Title) || !validAll(conv.Participants) {
		return false
	}
	c.conv, c.haveConv = conv, true
	return true
}

// sameFile is sameConv for the provenance's per-file strings.
func (c *textCheck) sameFile(p *vault.Provenance, source string) bool {
	if c.haveFile && p.File == c.file && p.FileSHA256 == c.sum && p.Timezone == c.zone && p.Format == c.format && source == c.source {
		return true
	}
	if !utf8.ValidString(p.File) || !utf8.ValidString(p.FileSHA256) || !utf8.ValidString(p.Timezone) ||
		!utf8.ValidString(p.Format) || !utf8.ValidString(source) {
		return false
	}
	c.file, c.sum, c.zone, c.format, c.source, c.haveFile = p.File, p.FileSHA256, p.Timezone, p.Format, source, true
	return true
}

func validAll(ss []string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// sameSlice reports whether a and b are the same slice (not merely equal).
func sameSlice(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// eachText replaces every string s held by m with f(s). Slices and maps
// that f changes are copied first: a format may share them between
// messages (a chat's participants).
func eachText(m *vault.Message, f func(string) string) {
	for _, p := range []*string{&m.ID, &m.Source, &m.Kind, &m.Conversation.ID, &m.Conversation.Title,
		&m.Sender, &m.SenderID, &m.Subject, &m.Body, &m.ReplyTo, &m.ForwardedFrom,
		&m.Provenance.Format, &m.Provenance.File, &m.Provenance.FileSHA256, &m.Provenance.Position,
		&m.Provenance.OriginalID, &m.Provenance.Timezone, &m.Provenance.TimeSource, &m.Provenance.SHA256} {
		*p = f(*p)
	}
	m.Conversation.Participants = eachInSlice(m.Conversation.Participants, f)
	m.To = eachInSlice(m.To, f)
	for i, a := range m.Attachments {
		if f(a.Name) != a.Name || f(a.Type) != a.Type || f(a.SHA256) != a.SHA256 {
			atts := slices.Clone(m.Attachments)
			for j := i; j < len(atts); j++ {
				atts[j].Name, atts[j].Type, atts[j].SHA256 = f(atts[j].Name), f(atts[j].Type), f(atts[j].SHA256)
			}
			m.Attachments = atts
			break
		}
	}
	for i, r := range m.Reactions {
		if f(r.Emoji) != r.Emoji || f(r.By) != r.By {
			rs := slices.Clone(m.Reactions)
			for j := i; j < len(rs); j++ {
				rs[j].Emoji, rs[j].By = f(rs[j].Emoji), f(rs[j].By)
			}
			m.Reactions = rs
			break
		}
	}
	for k, v := range m.Headers {
		if f(k) != k || f(v) != v {
			h := make(map[string]string, len(m.Headers))
			for k, v := range m.Headers {
				h[f(k)] = f(v)
			}
			m.Headers = h
			break
		}
	}
}

// eachInSlice returns ss with f applied, a copy if that changes it.
func eachInSlice(ss []string, f func(string) string) []string {
	for i, s := range ss {
		if f(s) != s {
			out := slices.Clone(ss)
			for j := i; j < len(out); j++ {
				out[j] = f(out[j])
			}
			return out
		}
	}
	return ss
}
