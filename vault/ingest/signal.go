package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
)

// Signal reads what the Signal Desktop exporters write, since Signal
// itself exports nothing readable:
//
//   - signal-export (sigexport): chat.md, lines "[2024-01-02 13:04:05]
//     Name: text" (older versions "[2024-01-02, 13:04]"), continuation
//     lines for multi-line messages, attachments as markdown links into
//     the chat's media folder; and data.json beside it, one JSON object
//     per line. Both carry local times without a zone.
//   - sigtop export-messages -f json: per conversation a JSON array of
//     Signal Desktop's own message records (sent_at in milliseconds,
//     quote, editHistory, attachments, reactions), see signal_sigtop.go.
//
// The Signal Desktop database itself (SQLCipher) is out of scope.
var Signal = Format{
	Name:   "signal",
	Detect: detectSignal,
	Parse:  parseSignal,
}

// signalHeader splits the first line of a signal-export message,
// "[2024-01-02 13:04:05] Name: text" or "[2024-01-02, 13:04] Name: text",
// into its fields (by hand: a regexp made the import four times slower).
func signalHeader(line string) (date [6]int, sender, text string, ok bool) {
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, len(s) > 0
	}
	if len(line) < 19 || line[0] != '[' || line[5] != '-' || line[8] != '-' {
		return date, "", "", false
	}
	var ok1, ok2, ok3 bool
	date[0], ok1 = num(line[1:5])
	date[1], ok2 = num(line[6:8])
	date[2], ok3 = num(line[9:11])
	rest := strings.TrimPrefix(line[11:], ",")
	if !ok1 || !ok2 || !ok3 || len(rest) < 7 || rest[0] != ' ' || rest[3] != ':' {
		return date, "", "", false
	}
	date[3], ok1 = num(rest[1:3])
	date[4], ok2 = num(rest[4:6])
	rest = rest[6:]
	if len(rest) >= 3 && rest[0] == ':' {
		date[5], ok3 = num(rest[1:3])
		rest = rest[3:]
	}
	if !ok1 || !ok2 || !ok3 || !strings.HasPrefix(rest, "] ") {
		return date, "", "", false
	}
	rest = rest[2:]
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return date, "", "", false
	}
	return date, rest[:i], strings.TrimPrefix(rest[i+1:], " "), true
}

// signalDataPrefix is how every line of signal-export's data.json starts.
var signalDataPrefix = regexp.MustCompile(`^\{"date": "[0-9T:.+-]+", "sender": "`)

type signalKind int

const (
	signalKindNone signalKind = iota
	signalKindText
	signalKindDataJSON
	signalKindSigtop
)

func signalKindOf(path string) signalKind {
	head := readHead(path, detectBytes)
	switch {
	case len(head) == 0:
		return signalKindNone
	case head[0] == '[' && bytes.Contains(head, []byte(`"conversationId"`)) &&
		(bytes.Contains(head, []byte(`"sent_at"`)) || bytes.Contains(head, []byte(`"received_at"`))):
		return signalKindSigtop
	case head[0] == '{':
		line, _, _ := bytes.Cut(head, []byte("\n"))
		var probe struct {
			Date   *string `json:"date"`
			Sender *string `json:"sender"`
			Body   *string `json:"body"`
		}
		if json.Unmarshal(line, &probe) == nil && probe.Date != nil && probe.Sender != nil && probe.Body != nil {
			return signalKindDataJSON
		}
		// A first message longer than the head: sigexport writes its
		// keys in a fixed order.
		if len(line) == len(head) && signalDataPrefix.Match(head) {
			return signalKindDataJSON
		}
	default:
		line, _, _ := bytes.Cut(head, []byte("\n"))
		if _, _, _, ok := signalHeader(string(bytes.TrimRight(line, "\r"))); ok {
			return signalKindText
		}
	}
	return signalKindNone
}

func detectSignal(path string) bool {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return len(signalDirFiles(path, 1)) > 0
	}
	return signalKindOf(path) != signalKindNone
}

// signalDirFiles lists the exports in a folder (at most limit, if > 0):
// signal-export's <dest>/<chat>/data.json (or chat.md, from versions
// without data.json; not both, they hold the same messages) and sigtop's
// <dir>/<conversation>.json.
func signalDirFiles(dir string, limit int) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			for _, n := range []string{"data.json", "chat.md"} {
				if q := filepath.Join(p, n); signalKindOf(q) != signalKindNone {
					files = append(files, q)
					break
				}
			}
		case e.Type().IsRegular() && signalKindOf(p) == signalKindSigtop:
			files = append(files, p)
		}
		if limit > 0 && len(files) >= limit {
			break
		}
	}
	return files
}

func parseSignal(path string, opt Options, emit Emit) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		files := signalDirFiles(path, 0)
		if len(files) == 0 {
			return fmt.Errorf("%s: no signal-export or sigtop files in this folder", filepath.Base(path))
		}
		for _, f := range files {
			rel, _ := filepath.Rel(path, f)
			if err := parseSignalFile(f, filepath.ToSlash(rel), opt, emit); err != nil {
				return err
			}
		}
		return nil
	}
	return parseSignalFile(path, filepath.Base(path), opt, emit)
}

// parseSignalFile parses one export file; name is what provenance and
// errors call it.
func parseSignalFile(path, name string, opt Options, emit Emit) error {
	opt = opt.resolved()
	kind := signalKindOf(path)
	if kind == signalKindNone {
		return &Error{File: name, Line: 1, Err: errors.New("not a Signal export (expected signal-export's chat.md or data.json, or sigtop's JSON; a Signal Desktop database must be exported with one of them first)")}
	}
	sum, err := HashFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if kind == signalKindSigtop {
		return parseSigtop(path, name, sum, opt, emit)
	}
	f, err := opt.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sp := &signalExport{
		name: name, sum: sum, opt: opt, emit: emit, now: opt.now(),
		conv: signalConversation(path),
		root: exportRoot{dir: filepath.Dir(path), meter: opt.Meter},
	}
	defer sp.root.close()
	if kind == signalKindDataJSON {
		return sp.dataJSON(bufio.NewReaderSize(f, 256<<10))
	}
	return sp.text(f)
}

// signalConversation names the chat of a signal-export file: it writes
// <dest>/<chat name>/chat.md and data.json, so the folder is the chat.
func signalConversation(path string) vault.Conversation {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if name == "chat" || name == "data" {
		name = filepath.Base(filepath.Dir(path))
	}
	return vault.Conversation{ID: "signal:" + name, Title: name}
}

// signalExport parses signal-export's chat.md and data.json.
type signalExport struct {
	check     textCheck // validate with memory of the file's shared strings
	name, sum string
	opt       Options
	emit      Emit
	now       time.Time
	conv      vault.Conversation
	root      exportRoot
	seq       seqCounter
}

// localTime parses a zone-less local time in opt's location, or a time
// with an offset as is.
func (sp *signalExport) localTime(s string, m *vault.Message) error {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		_, m.Offset = t.Zone()
		m.Time = t.UTC()
		return nil
	}
	loc := sp.opt.location()
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			_, m.Offset = t.Zone()
			m.Time = t.UTC()
			m.Provenance.Timezone = loc.String()
			return nil
		}
	}
	return fmt.Errorf("bad date %q", s)
}

func (sp *signalExport) newMessage(line int) *vault.Message {
	return &vault.Message{
		Source:       "signal",
		Conversation: sp.conv,
		Provenance: vault.Provenance{
			Format: "signal", File: sp.name, FileSHA256: sp.sum,
			Position: "line " + strconv.Itoa(line), ImportedAt: sp.now,
		},
	}
}

// finish validates and emits m, or reports it as a bad record.
func (sp *signalExport) finish(m *vault.Message, line int) error {
	truncateBody(m)
	m.Seq = sp.seq.next(m)
	if err := sp.check.validate(m); err != nil {
		return sp.opt.skip(&Error{File: sp.name, Line: line, Err: err})
	}
	return sp.emit(m)
}

// signalLink matches an attachment or sticker link signal-export appends
// to a message: "![name](./media/file%20name.jpg)".
var signalLink = regexp.MustCompile(`!?\[([^\]\n]*)\]\((\.\.?/[^)\n]+)\)`)

var signalReactions = regexp.MustCompile(`\n\(- (.*) -\)$`)

func (sp *signalExport) text(r io.Reader) error {
	loc := sp.opt.location()
	tz := loc.String()
	lines := newLineReader(r, sp.name)
	var cur *vault.Message
	var curLine int
	var body textBuf
	flush := func() error {
		if cur == nil {
			return nil
		}
		m := cur
		cur = nil
		sp.textBody(m, string(body.b))
		if body.truncated() {
			noteTruncated(m, body.size)
		}
		return sp.finish(m, curLine)
	}
	for {
		first, more, err := lines.next()
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return err
		}
		lineNo := lines.n
		if d, sender, text, ok := signalHeader(string(first)); ok {
			if err := flush(); err != nil {
				return err
			}
			m := sp.newMessage(lineNo)
			t := time.Date(d[0], time.Month(d[1]), d[2], d[3], d[4], d[5], 0, loc)
			if t.Year() != d[0] || int(t.Month()) != d[1] || t.Day() != d[2] || t.Hour() != d[3] || t.Minute() != d[4] {
				date, _, _ := strings.Cut(string(first[1:]), "]")
				if e := sp.opt.skip(&Error{File: sp.name, Line: lineNo, Err: fmt.Errorf("bad date %q", date)}); e != nil {
					return e
				}
				if err := lines.skip(more); err != nil {
					return err
				}
				continue
			}
			_, m.Offset = t.Zone()
			m.Time = t.UTC()
			m.Provenance.Timezone = tz
			m.Sender = sender
			cur, curLine = m, lineNo
			body.reset()
			body.write([]byte(text))
		} else if cur == nil {
			if len(bytes.TrimSpace(first)) > 0 || more {
				if e := sp.opt.skip(&Error{File: sp.name, Line: lineNo, Err: errors.New(`text before the first "[date time] name:" line`)}); e != nil {
					return e
				}
			}
			if err := lines.skip(more); err != nil {
				return err
			}
			continue
		} else {
			body.write([]byte{'\n'})
			body.write(first)
		}
		if err := body.line(lines, more); err != nil {
			return err
		}
	}
}

// textBody splits signal-export's decorations off a chat.md message:
// the markdown line-break spaces, reactions and attachment links.
func (sp *signalExport) textBody(m *vault.Message, s string) {
	s = strings.Trim(s, "\n")
	if !strings.Contains(s, "-)") && !strings.Contains(s, "](") {
		m.Body = strings.TrimRight(s, " ")
		return
	}
	if g := signalReactions.FindStringSubmatch(s); g != nil {
		setHeader(m, "reactions", g[1])
		s = s[:len(s)-len(g[0])]
	}
	for _, g := range signalLink.FindAllStringSubmatch(s, -1) {
		rel, err := url.PathUnescape(g[2])
		if err != nil {
			rel = g[2]
		}
		sp.attach(m, g[1], rel)
	}
	if len(m.Attachments) > 0 {
		s = signalLink.ReplaceAllString(s, "")
	}
	m.Body = strings.TrimRight(s, " ")
}

func (sp *signalExport) attach(m *vault.Message, name, rel string) {
	a := vault.Attachment{Name: name}
	if a.Name == "" {
		a.Name = filepath.Base(rel)
	}
	content, why := sp.root.read(rel)
	if why != "" {
		a.Missing = true
		setHeader(m, "missing_"+a.Name, rel+": "+why)
	} else {
		a.Content = content
	}
	m.Attachments = append(m.Attachments, a)
}

// signalRecord is one line of signal-export's data.json.
type signalRecord struct {
	Date        string            `json:"date"`
	Sender      string            `json:"sender"`
	Body        string            `json:"body"`
	Quote       string            `json:"quote"`
	Sticker     json.RawMessage   `json:"sticker"`
	Reactions   []json.RawMessage `json:"reactions"`
	Attachments []struct {
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"attachments"`
	Deleted bool `json:"deleted"`
	Call    bool `json:"call"`
	Missed  bool `json:"missed"`
}

func (sp *signalExport) dataJSON(br *bufio.Reader) error {
	for lineNo := 1; ; lineNo++ {
		raw, err := readLine(br)
		if err != nil && len(raw) == 0 {
			if errors.Is(err, errLineTooLong) {
				if e := sp.opt.skip(&Error{File: sp.name, Line: lineNo, Err: err}); e != nil {
					return e
				}
				continue
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s:%d: %w", sp.name, lineNo, err)
		}
		raw = bytes.TrimSpace(raw)
		if lineNo == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if len(raw) == 0 {
			continue
		}
		var r signalRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			if e := sp.opt.skip(&Error{File: sp.name, Line: lineNo, Err: fmt.Errorf("malformed JSON: %v", jsonErrText(err))}); e != nil {
				return e
			}
			continue
		}
		m := sp.newMessage(lineNo)
		if err := sp.localTime(r.Date, m); err != nil {
			if e := sp.opt.skip(&Error{File: sp.name, Line: lineNo, Err: err}); e != nil {
				return e
			}
			continue
		}
		m.Sender = r.Sender
		// sigexport appends two spaces (a markdown line break) to bodies.
		m.Body = strings.TrimSuffix(r.Body, "  ")
		setHeader(m, "quote", strings.TrimSpace(r.Quote))
		if s := string(r.Sticker); s != "" && s != "null" && s != `""` {
			setHeader(m, "sticker", strings.Trim(s, `"`))
		}
		var rs []string
		for _, x := range r.Reactions {
			var pair []string
			if json.Unmarshal(x, &pair) == nil && len(pair) == 2 {
				rs = append(rs, pair[0]+": "+pair[1])
				continue
			}
			var o struct{ Name, Emoji string }
			if json.Unmarshal(x, &o) == nil {
				rs = append(rs, o.Name+": "+o.Emoji)
			}
		}
		setHeader(m, "reactions", strings.Join(rs, ", "))
		for _, a := range r.Attachments {
			rel, err := url.PathUnescape(a.Path)
			if err != nil {
				rel = a.Path
			}
			sp.attach(m, a.Name, rel)
		}
		if r.Deleted {
			setHeader(m, "deleted", "true")
		}
		if r.Call {
			m.Kind = "system"
			setHeader(m, "call", map[bool]string{true: "missed", false: "yes"}[r.Missed])
		}
		if err := sp.finish(m, lineNo); err != nil {
			return err
		}
	}
}
