package ingest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// WhatsApp writes an export in the language of the phone that made it:
// the media placeholders, the service notices and the clock's AM/PM words
// are the app's own strings for that language. They live as data, one
// file per language, in whatsapp/locales (README.md there says where each
// string comes from); this file turns them into the lookup tables the
// reader uses. A string missing from the data leaves the message as plain
// text, as exported: nothing is lost, only recognised less.

//go:embed whatsapp/locales/*.json
var waLocaleFS embed.FS

// waLocale is one language's file.
type waLocale struct {
	Language string `json:"language"`
	Name     string `json:"name"`
	// Sources say where the strings come from (see README.md).
	Sources []string `json:"sources"`
	Clock   struct {
		AM []string `json:"am"`
		PM []string `json:"pm"`
		// Night words span midnight ("at night", 21:00-06:00): 9 at
		// night is 21:00, 2 at night 02:00.
		Night []string `json:"night"`
	} `json:"clock"`
	// Digits are the ten digits the locale writes dates with by default.
	Digits string `json:"digits"`
	// Layouts are the locale's short date and time patterns (CLDR
	// syntax), the ones Android and iOS stamp messages with. The reader
	// does not need them (it reads any layout); the tests write exports
	// with them.
	Layouts []struct {
		Date     string `json:"date"`
		Time     string `json:"time"`
		Time12   string `json:"time12"`
		DateTime string `json:"datetime"`
	} `json:"layouts"`
	// Connectors are words between the date and the time ("klo").
	Connectors   []string            `json:"connectors"`
	MediaOmitted []string            `json:"media_omitted"` // Android "<Media omitted>", without the brackets
	Omitted      map[string][]string `json:"omitted"`       // iOS "image omitted", by kind of media
	FileAttached []string            `json:"file_attached"` // Android "%s (file attached)"
	Attached     []string            `json:"attached"`      // iOS "<attached: %s>"
	Location     []string            `json:"location"`      // the label of "location: https://maps..."
	LiveLocation []string            `json:"live_location"`
	Deleted      []string            `json:"deleted"`
	Calls        []string            `json:"calls"`     // missed voice and video calls
	Encrypted    []string            `json:"encrypted"` // the start of the end-to-end encryption notice
	Notices      []string            `json:"notices"`   // group events, "%s added %s"
	Created      []string            `json:"created"`   // "%s created group "%s"": the group's name
	ChatFile     []string            `json:"chat_file"` // the export's file name, "WhatsApp Chat with %s"
	Edited       []string            `json:"edited"`    // "<This message was edited>", without the brackets
}

// waPhraseKind is what a whole line of text stands for.
type waPhraseKind uint8

const (
	phraseNone waPhraseKind = iota
	phraseDeleted
	phraseCall
	phraseMedia        // Android "<Media omitted>"
	phraseOmitted      // iOS "image omitted", kind in waPhrase.media
	phraseLiveLocation // "live location shared"
)

type waPhrase struct {
	kind  waPhraseKind
	media string
}

// waClockWord is a localized AM or PM word; half is 'a', 'p' or 'n'
// (night).
type waClockWord struct {
	word []byte
	half byte
}

// waTables is every locale's strings, merged and indexed.
type waTables struct {
	languages []string
	// phrases maps a whole first line (marks removed, final dots
	// trimmed) to what it stands for; maxPhrase is the longest key.
	phrases   map[string]waPhrase
	maxPhrase int
	// phraseHints marks the phraseHint of every phrase, a cheap filter
	// before the map lookup, which nearly every message would otherwise
	// make.
	phraseHints waBits
	// attached is the inner text of "NAME (inner)"; attachedT the
	// layouts that are not "%s (inner)".
	attached  map[string]bool
	attachedT []waTemplate
	location  map[string]bool
	edited    map[string]bool
	// encrypted indexes the encryption notices by their first
	// waPrefixKey bytes.
	encrypted map[string][][]byte
	// encryptedStart marks the first two bytes of the notices, so a
	// line that starts otherwise is not looked up.
	encryptedStart waBits
	notices        waTemplates
	created        waTemplates
	chatFile       []waTemplate
	// clock indexes the AM/PM words by their first byte, longest first.
	clock      [256][]waClockWord
	connectors [][]byte
	// eraMarks are calendar markers written after a date ("BE").
	eraMarks []waEraMark
}

// waBits is a set of 16-bit values: a filter in front of a map that
// most lookups would miss.
type waBits [1 << 16 / 64]uint64

func (b *waBits) set(v uint32)      { b[v>>6&(1<<10-1)] |= 1 << (v & 63) }
func (b *waBits) has(v uint32) bool { return b[v>>6&(1<<10-1)]&(1<<(v&63)) != 0 }

// phraseHint is a 16-bit digest of a non-empty phrase: its length, first
// and last bytes.
func phraseHint(s []byte) uint32 {
	return (uint32(len(s))<<16 | uint32(s[0])<<8 | uint32(s[len(s)-1])) * 0x9E3779B1 >> 16
}

// waPrefixKey is how many bytes of an encryption notice index it.
const waPrefixKey = 8

// waTablesOnce parses the embedded files once, on first use. They are
// part of the binary, so a failure is a build defect that every test
// catches, not bad input.
var waTablesOnce = sync.OnceValues(loadWATables)

func waLang() *waTables {
	t, err := waTablesOnce()
	if err != nil {
		panic(err)
	}
	return t
}

func loadWATables() (*waTables, error) {
	locs, err := readWALocales()
	if err != nil {
		return nil, err
	}
	t := &waTables{
		phrases: map[string]waPhrase{}, attached: map[string]bool{}, location: map[string]bool{},
		edited: map[string]bool{}, encrypted: map[string][][]byte{},
	}
	phrase := func(s string, p waPhrase) {
		s = string(trimFinalDots([]byte(waNormalize(s))))
		if s == "" {
			return
		}
		if _, dup := t.phrases[s]; !dup {
			t.phrases[s] = p
			t.maxPhrase = max(t.maxPhrase, len(s))
		}
	}
	clock := map[string]bool{}
	conns := map[string]bool{}
	for _, l := range locs {
		t.languages = append(t.languages, l.Language)
		for _, s := range l.Deleted {
			phrase(s, waPhrase{kind: phraseDeleted})
		}
		for _, s := range l.Calls {
			phrase(s, waPhrase{kind: phraseCall})
		}
		for _, s := range l.MediaOmitted {
			phrase("<"+s+">", waPhrase{kind: phraseMedia, media: "media"})
		}
		for kind, ss := range l.Omitted {
			for _, s := range ss {
				phrase(s, waPhrase{kind: phraseOmitted, media: kind})
			}
		}
		for _, s := range l.LiveLocation {
			phrase(s, waPhrase{kind: phraseLiveLocation, media: "live_location"})
		}
		for _, s := range l.FileAttached {
			s = waNormalize(s)
			if strings.HasPrefix(s, "%s (") && strings.HasSuffix(s, ")") && strings.Count(s, "%s") == 1 {
				t.attached[s[len("%s ("):len(s)-1]] = true
			} else if tp, ok := compileWATemplate(s); ok {
				t.attachedT = append(t.attachedT, tp)
			}
		}
		for _, s := range l.Location {
			t.location[waNormalize(s)] = true
		}
		for _, s := range l.Edited {
			t.edited[string(trimFinalDots([]byte(waNormalize(s))))] = true
		}
		for _, s := range l.Encrypted {
			b := []byte(waNormalize(s))
			if len(b) < waPrefixKey {
				return nil, fmt.Errorf("whatsapp locale %s: encryption notice %q is too short to index", l.Language, s)
			}
			k := string(b[:waPrefixKey])
			t.encryptedStart.set(uint32(b[0])<<8 | uint32(b[1]))
			t.encrypted[k] = append(t.encrypted[k], b)
		}
		for _, list := range []struct {
			in  []string
			add func(waTemplate)
		}{{l.Notices, t.notices.add}, {l.Created, t.created.add}, {l.ChatFile, func(tp waTemplate) { t.chatFile = append(t.chatFile, tp) }}} {
			for _, s := range list.in {
				if tp, ok := compileWATemplate(waNormalize(s)); ok {
					list.add(tp)
				}
			}
		}
		for i, words := range [][]string{l.Clock.AM, l.Clock.PM, l.Clock.Night} {
			for _, w := range words {
				w = waNormalize(w)
				if w == "" || clock[w] {
					continue
				}
				clock[w] = true
				t.clock[w[0]] = append(t.clock[w[0]], waClockWord{word: []byte(w), half: "apn"[i]})
			}
		}
		for _, c := range l.Connectors {
			if c = waNormalize(c); c != "" && !conns[c] {
				conns[c] = true
				t.connectors = append(t.connectors, []byte(c))
			}
		}
	}
	for k := range t.phrases {
		t.phraseHints.set(phraseHint([]byte(k)))
	}
	for i := range t.clock {
		sort.SliceStable(t.clock[i], func(a, b int) bool { return len(t.clock[i][a].word) > len(t.clock[i][b].word) })
	}
	t.eraMarks = waEraMarks
	return t, nil
}

// readWALocales reads and checks every embedded locale file.
func readWALocales() ([]*waLocale, error) {
	names, err := waLocaleFS.ReadDir("whatsapp/locales")
	if err != nil {
		return nil, err
	}
	var out []*waLocale
	for _, e := range names {
		if path.Ext(e.Name()) != ".json" {
			continue
		}
		b, err := waLocaleFS.ReadFile("whatsapp/locales/" + e.Name())
		if err != nil {
			return nil, err
		}
		l := &waLocale{}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(l); err != nil {
			return nil, fmt.Errorf("whatsapp locale %s: %w", e.Name(), err)
		}
		if l.Language+".json" != e.Name() {
			return nil, fmt.Errorf("whatsapp locale %s: says it is %q", e.Name(), l.Language)
		}
		if utf8.RuneCountInString(l.Digits) != 10 {
			return nil, fmt.Errorf("whatsapp locale %s: digits %q are not ten", e.Name(), l.Digits)
		}
		out = append(out, l)
	}
	return out, nil
}

// waNormalize makes a phrase comparable with what an export holds: no
// directional marks, and every kind of space a plain one.
func waNormalize(s string) string {
	b := []byte(s)
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if n := markLen(b, i); n > 0 {
			i += n
			continue
		}
		if n := spaceLen(b, i); n > 0 {
			out = append(out, ' ')
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return strings.TrimSpace(string(out))
}

// waTemplate is a phrase with "%s" holes ("%s added %s"), split into the
// literal parts between them. Quotes in a template match any quote, since
// Android writes "straight" and iOS “curly” ones around the same name.
type waTemplate struct {
	parts [][]byte // len(parts) == holes+1; parts[i] may be empty
	// needle is the template's longest run of literal bytes without a
	// quote: a text that lacks it cannot match, which a fast search
	// tells before the slow match.
	needle []byte
}

// waQuote marks a quote in a compiled template.
const waQuote = 0x01

func compileWATemplate(s string) (waTemplate, bool) {
	s = strings.TrimRight(s, ".。 ")
	if s == "" || !utf8.ValidString(s) {
		return waTemplate{}, false
	}
	var parts [][]byte
	for _, p := range strings.Split(s, "%s") {
		var b []byte
		for _, r := range p {
			if isWAQuote(r) {
				b = append(b, waQuote)
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
		parts = append(parts, b)
	}
	// Two holes side by side could not be told apart.
	for i := 1; i < len(parts)-1; i++ {
		if len(parts[i]) == 0 {
			return waTemplate{}, false
		}
	}
	var needle []byte
	for _, p := range parts {
		for _, run := range bytes.Split(p, []byte{waQuote}) {
			if len(run) > len(needle) {
				needle = run
			}
		}
	}
	return waTemplate{parts: parts, needle: needle}, true
}

func isWAQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '«', '»', '「', '」', '『', '』', '‘', '’', '‚', '‹', '›':
		return true
	}
	return false
}

// litAt reports whether lit (a template part) is at text[i:], and the
// length of text it spans.
func litAt(text []byte, i int, lit []byte) (int, bool) {
	j := i
	for _, c := range lit {
		if c == waQuote {
			r, n := utf8.DecodeRune(text[j:])
			if n == 0 || !isWAQuote(r) {
				return 0, false
			}
			j += n
			continue
		}
		if j >= len(text) || text[j] != c {
			return 0, false
		}
		j++
	}
	return j - i, true
}

// around reports whether text starts with the template's first part and
// ends with its last, a cheap test before match.
func (t waTemplate) around(text []byte) bool {
	first, last := t.parts[0], t.parts[len(t.parts)-1]
	return bytes.HasPrefix(text, first) && bytes.HasSuffix(text, last)
}

// match reports whether text (one line without marks) is the template,
// and returns what the last hole held. The text may go on after the
// template with another sentence (" Tap to change."), and may end with
// a full stop the template lacks.
func (t waTemplate) match(text []byte) (last []byte, ok bool) {
	if !bytes.Contains(text, t.needle) {
		return nil, false
	}
	text = bytes.TrimRight(text, " ")
	n, ok := litAt(text, 0, t.parts[0])
	if !ok {
		return nil, false
	}
	i := n
	for k := 1; k < len(t.parts); k++ {
		lit := t.parts[k]
		found := -1
		if k == len(t.parts)-1 {
			// The last part: at the end, or before a sentence that follows.
			for j := len(text); j > i; {
				p := lastLit(text, i+1, j, lit)
				if p < 0 {
					break
				}
				if n, _ := litAt(text, p, lit); waTemplateEnd(text[p+n:]) {
					found = p
					break
				}
				j = p - 1
			}
		} else {
			found = firstLit(text, i+1, lit)
		}
		if found <= i { // a hole holds at least one byte
			return nil, false
		}
		last = text[i:found]
		n, _ := litAt(text, found, lit)
		i = found + n
	}
	if len(t.parts) == 1 && !waTemplateEnd(text[i:]) {
		return nil, false
	}
	return last, true
}

// firstLit returns the first position from from on where lit matches
// text, or -1. The quote-free bytes lit starts with are looked for with
// a fast search, so the scan is linear in the text.
func firstLit(text []byte, from int, lit []byte) int {
	head := lit
	if q := bytes.IndexByte(lit, waQuote); q >= 0 {
		head = lit[:q]
	}
	for j := from; j <= len(text); j++ {
		if len(head) > 0 {
			k := bytes.Index(text[j:], head)
			if k < 0 {
				return -1
			}
			j += k
		}
		if _, ok := litAt(text, j, lit); ok {
			return j
		}
	}
	return -1
}

// lastLit returns the last position p, from <= p <= to, where lit
// matches text, or -1.
func lastLit(text []byte, from, to int, lit []byte) int {
	head := lit
	if q := bytes.IndexByte(lit, waQuote); q >= 0 {
		head = lit[:q]
	}
	for j := to; j >= from; j-- {
		if len(head) > 0 {
			k := bytes.LastIndex(text[from:min(j+len(head), len(text))], head)
			if k < 0 {
				return -1
			}
			j = from + k
		}
		if _, ok := litAt(text, j, lit); ok {
			return j
		}
	}
	return -1
}

// waTemplateEnd reports whether rest, what follows a matched template,
// ends it: nothing, a full stop, or a full stop and another sentence
// ("... updated the message timer. Tap to change.").
func waTemplateEnd(rest []byte) bool {
	if len(bytes.TrimSpace(rest)) == 0 {
		return true
	}
	switch {
	case rest[0] == '.':
		rest = rest[1:]
	case bytes.HasPrefix(rest, []byte("。")):
		return true
	default:
		return false
	}
	return len(rest) == 0 || rest[0] == ' '
}
