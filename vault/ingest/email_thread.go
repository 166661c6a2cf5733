package ingest

import (
	"strings"
	"unicode/utf8"
)

// Which thread (conversation) a mail belongs to.

// mailFirstID returns the first message id in a Message-ID, In-Reply-To or
// References value, without its angle brackets. Ids written without
// brackets (seen in spam and old mailers) are taken as the first token
// with an @.
func mailFirstID(s string) string {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '>')
		if j < 0 {
			break
		}
		// Folding can leave white space inside an id ("<1@ ebony >").
		if id := strings.Join(strings.Fields(s[i+1:i+1+j]), ""); id != "" && !strings.Contains(id, "<") {
			return id
		}
		s = s[i+1+j+1:]
	}
	for _, f := range strings.Fields(s) {
		f = strings.Trim(f, "<>,;")
		if strings.Contains(f, "@") {
			return f
		}
	}
	return ""
}

// mailThreadID names a message's thread the same way in every import, with
// no state carried between files: the thread root (first References
// entry), else the parent (In-Reply-To), else the message itself, else the
// normalised subject.
func mailThreadID(h map[string]string, msgID, title string) string {
	if id := mailFirstID(h["References"]); id != "" {
		return "<" + id + ">"
	}
	if id := mailFirstID(h["In-Reply-To"]); id != "" {
		return "<" + id + ">"
	}
	if msgID != "" {
		return "<" + msgID + ">"
	}
	return "subject:" + strings.ToLower(title)
}

// mailReplyPrefixes are the "reply" and "forward" markers mailers put before a
// subject, in the languages seen in practice.
var mailReplyPrefixes = []string{
	"re", "fw", "fwd", "aw", "sv", "vs", "wg", "antw", "antwort", "odp", "tr",
	"rif", "r", "ref", "res", "enc", "fs", "atb", "vl", "ynt", "doorst", "转发", "回复", "答复",
}

// NormalizeSubject strips reply/forward prefixes ("Re: ", "Fwd: ",
// "AW: ", "Re[2]: ") and collapses white space, giving the thread title.
func NormalizeSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		stripped := false
		colon := strings.IndexAny(s, ":：")
		if colon > 0 && colon <= 12 {
			head := strings.ToLower(strings.TrimSpace(s[:colon]))
			if k := strings.IndexAny(head, "[("); k > 0 && strings.Trim(head[k:], "[]()0123456789") == "" {
				head = head[:k]
			}
			for _, p := range mailReplyPrefixes {
				if head == p {
					_, size := utf8.DecodeRuneInString(s[colon:])
					s = strings.TrimSpace(s[colon+size:])
					stripped = true
					break
				}
			}
		}
		if !stripped {
			return s
		}
	}
}
