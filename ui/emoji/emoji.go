// Package emoji draws the :shortcodes: that Slack and Discord exports
// keep in message text (":white_check_mark:") as the emoji they stand
// for. Only what is drawn changes: the vault keeps the original text, and
// search still finds the shortcode's words.
//
// The table is github.com/kyokomi/emoji's (gemoji's names, Slack's
// aliases): a maintained list beats one copied here.
package emoji

import (
	"strings"

	"github.com/kyokomi/emoji/v2"
)

// Sources lists the sources whose text uses shortcodes.
var sources = map[string]bool{"slack": true, "discord": true}

// For returns the function that draws s's shortcodes for a message from
// source, or nil when that source has none.
func For(source string) func(string) string {
	if !sources[source] {
		return nil
	}
	return Replace
}

// Replace draws every :shortcode: in s that names an emoji; others (a
// time such as 10:30:00, an unknown name) stay as they are.
func Replace(s string) string {
	if strings.Count(s, ":") < 2 {
		return s
	}
	codes := emoji.CodeMap()
	var b strings.Builder
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], ':')
		if j < 0 {
			break
		}
		name := s[i : i+j+2]
		if e, ok := codes[strings.ToLower(name)]; ok && shortcode(name[1:len(name)-1]) {
			b.WriteString(s[:i])
			b.WriteString(e)
			s = s[i+j+2:]
			continue
		}
		b.WriteString(s[:i+1]) // not a code: keep the colon, try from the next
		s = s[i+1:]
	}
	b.WriteString(s)
	return b.String()
}

// shortcode reports whether name can be a shortcode's name.
func shortcode(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '+') {
			return false
		}
	}
	return true
}
