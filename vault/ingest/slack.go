package ingest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"coffer/vault"
)

// Slack reads a Slack workspace export, as a zip or unpacked folder:
// users.json names the people, channels.json, groups.json, mpims.json
// and dms.json the conversations, and each conversation's folder holds
// one JSON array of messages per day. A lone per-day file is accepted
// too. Threads, edits, subtypes (joins, topic changes: system messages),
// files (as Missing attachments: exports carry links, not content) and
// mentions (<@U123> shown with the person's name) are kept.
var Slack = Format{
	Name:   "slack",
	Detect: detectSlack,
	Parse:  parseSlack,
}

// slackDayFile matches the per-day files of a conversation folder.
var slackDayFile = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\.json$`)

// slackTS matches a message timestamp, "1681413317.397479".
var slackTS = regexp.MustCompile(`"ts"\s*:\s*"\d+\.\d+"`)

func detectSlack(p string) bool {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return slackDirRoot(p)
	}
	if IsZip(p) {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return false
		}
		defer zr.Close()
		_, ok := slackZipRoot(zr.File)
		return ok
	}
	head := readHead(p, detectBytes)
	return len(head) > 0 && head[0] == '[' && slackTS.Match(head) &&
		!bytes.Contains(head, []byte(`"conversationId"`))
}

func slackDirRoot(dir string) bool {
	exists := func(n string) bool {
		st, err := os.Stat(filepath.Join(dir, n))
		return err == nil && st.Mode().IsRegular()
	}
	return exists("users.json") && (exists("channels.json") || exists("groups.json") || exists("dms.json") || exists("mpims.json"))
}

// slackZipRoot finds the folder of a zip that holds users.json and a
// conversation list: the zip's top level, or one folder down.
func slackZipRoot(files []*zip.File) (string, bool) {
	have := make(map[string]bool)
	for _, f := range files {
		have[f.Name] = true
	}
	for _, f := range files {
		dir, base := path.Split(f.Name)
		if base != "users.json" || strings.Count(dir, "/") > 1 {
			continue
		}
		for _, l := range []string{"channels.json", "groups.json", "dms.json", "mpims.json"} {
			if have[dir+l] {
				return dir, true
			}
		}
	}
	return "", false
}

// slackSource is an export's files, from a zip or a folder.
type slackSource struct {
	label string               // "export.zip!" or "export/", prefixed to member names
	zip   *Zip                 // nil for a folder
	root  string               // folder, or folder inside the zip ("" or "name/")
	files map[string]*zip.File // zip members by name relative to root
	dirs  map[string][]string  // conversation folder -> day files, sorted
	meter *Meter               // counts a folder's reads (a zip counts its own)
}

// open returns a reader of the export's file name (relative to its
// root); a zip member that inflates past its declared size fails. A
// folder's file is counted by the meter unless it is a first pass (a
// zip counts its own reads, compressed).
func (s *slackSource) open(name string, firstPass bool) (io.ReadCloser, error) {
	if s.zip != nil {
		f := s.files[name]
		if f == nil {
			return nil, os.ErrNotExist
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		return &boundedReader{ReadCloser: rc, n: int64(f.UncompressedSize64), name: s.label + name}, nil
	}
	p := filepath.Join(s.root, filepath.FromSlash(name))
	if st, err := os.Stat(p); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if firstPass {
		return os.Open(p)
	}
	return Options{Meter: s.meter}.open(p)
}

func openSlack(p string, m *Meter) (*slackSource, error) {
	base := filepath.Base(p)
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		s := &slackSource{label: base + "/", root: p, dirs: map[string][]string{}, meter: m}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			days, err := os.ReadDir(filepath.Join(p, e.Name()))
			if err != nil {
				return nil, err
			}
			for _, d := range days {
				if d.Type().IsRegular() && slackDayFile.MatchString(d.Name()) {
					s.dirs[e.Name()] = append(s.dirs[e.Name()], e.Name()+"/"+d.Name())
				}
			}
		}
		return s, nil
	}
	z, err := openZip(p, m)
	if err != nil {
		return nil, err
	}
	root, ok := slackZipRoot(z.File)
	if !ok {
		z.Close()
		return nil, fmt.Errorf("%s: not a Slack export (no users.json and channels.json)", base)
	}
	s := &slackSource{label: base + "!" + root, zip: z, files: map[string]*zip.File{}, dirs: map[string][]string{}}
	for _, f := range z.File {
		name, ok := strings.CutPrefix(f.Name, root)
		if !ok {
			continue
		}
		s.files[name] = f
		if dir, day, ok := strings.Cut(name, "/"); ok && slackDayFile.MatchString(day) {
			s.dirs[dir] = append(s.dirs[dir], name)
		}
	}
	return s, nil
}

type slackUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	RealName string `json:"real_name"`
	TZ       string `json:"tz"`
	TZOffset int    `json:"tz_offset"`
	Profile  struct {
		RealName    string `json:"real_name"`
		DisplayName string `json:"display_name"`
		BotID       string `json:"bot_id"`
	} `json:"profile"`
}

type slackChannel struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
	User    string   `json:"user"` // the other person of an old-style DM
}

type slackParser struct {
	check   textCheck // validate with memory of the file's shared strings
	opt     Options
	emit    Emit
	now     time.Time
	names   map[string]string // user id -> name
	bots    map[string]string // bot id -> name
	zones   map[string]*time.Location
	offsets map[string]int    // user id -> tz_offset fallback
	chans   map[string]string // channel id -> name, for <#C123>
	msg     slackMsg
}

func parseSlack(p string, opt Options, emit Emit) error {
	sp := &slackParser{opt: opt, emit: emit, now: opt.now(),
		names: map[string]string{}, bots: map[string]string{}, zones: map[string]*time.Location{},
		offsets: map[string]int{}, chans: map[string]string{}}
	if st, err := os.Stat(p); err == nil && !st.IsDir() && !IsZip(p) {
		return sp.dayFileAlone(p)
	}
	src, err := openSlack(p, opt.Meter)
	if err != nil {
		return err
	}
	if src.zip != nil {
		defer src.zip.Close()
	}
	if err := sp.users(src); err != nil {
		return err
	}
	type listed struct {
		ch     slackChannel
		folder string
		kind   string
	}
	var convs []listed
	seen := map[string]bool{}
	for _, kind := range []string{"channels", "groups", "mpims", "dms"} {
		err := slackList(src, kind+".json", "conversations", func(ch slackChannel) {
			folder := ch.Name
			if kind == "dms" || folder == "" {
				folder = ch.ID
			}
			sp.chans[ch.ID] = ch.Name
			convs = append(convs, listed{ch, folder, kind})
			seen[folder] = true
		})
		if err != nil {
			return err
		}
	}
	// Folders no list names are imported too rather than silently lost.
	var extra []string
	for dir := range src.dirs {
		if !seen[dir] {
			extra = append(extra, dir)
		}
	}
	sort.Strings(extra)
	for _, dir := range extra {
		convs = append(convs, listed{slackChannel{Name: dir}, dir, "folder"})
	}
	for _, l := range convs {
		days := src.dirs[l.folder]
		if len(days) == 0 {
			continue
		}
		sort.Strings(days)
		cv := &slackConv{conv: sp.conversation(l.ch, l.kind)}
		for _, day := range days {
			if err := sp.dayFile(cv, src.label+day, func(first bool) (io.ReadCloser, error) { return src.open(day, first) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// users reads users.json (names, zones, bot names); it is optional.
func (sp *slackParser) users(src *slackSource) error {
	return slackList(src, "users.json", "users", func(u slackUser) {
		name := firstNonEmpty(u.RealName, u.Profile.RealName, u.Profile.DisplayName, u.Name)
		sp.names[u.ID] = name
		if u.Profile.BotID != "" {
			sp.bots[u.Profile.BotID] = name
		}
		if u.TZ != "" {
			if loc, err := time.LoadLocation(u.TZ); err == nil {
				sp.zones[u.ID] = loc
			}
		}
		sp.offsets[u.ID] = u.TZOffset
	})
}

// slackList decodes the list of what in the export's file name
// (users.json, channels.json, ...), if there is one, an element at a
// time.
func slackList[T any](src *slackSource, name, what string, each func(T)) error {
	open := func() (io.ReadCloser, error) { return src.open(name, false) }
	rc, err := open()
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s%s: %w", src.label, name, err)
	}
	rc.Close()
	return jsonArray(src.label+name, what, open, func(decode func(any) error, n int, line func() int) error {
		var v T
		var te *json.UnmarshalTypeError
		if err := decode(&v); errors.As(err, &te) {
			return &Error{File: src.label + name, Line: line(), Err: fmt.Errorf("malformed JSON: %v", err)}
		} else if err != nil {
			return err
		}
		each(v)
		return nil
	})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (sp *slackParser) conversation(ch slackChannel, kind string) vault.Conversation {
	c := vault.Conversation{ID: "slack:" + ch.ID, Title: ch.Name}
	if ch.ID == "" {
		c.ID = "slack:" + ch.Name
	}
	members := ch.Members
	if len(members) == 0 && ch.User != "" {
		members = []string{ch.User}
	}
	for _, u := range members {
		c.Participants = append(c.Participants, sp.userName(u))
	}
	if (kind == "dms" || kind == "mpims") && len(c.Participants) > 0 {
		c.Title = strings.Join(c.Participants, ", ")
	}
	return c
}

func (sp *slackParser) userName(id string) string {
	if n := sp.names[id]; n != "" {
		return n
	}
	return id
}

// slackConv is the state of one conversation across its day files.
type slackConv struct {
	conv    vault.Conversation
	replies replyIndex[string]
}

// dayFileAlone imports one per-day file (or any JSON array of Slack
// messages) without the rest of its export: names stay user ids unless
// the messages embed a user_profile.
func (sp *slackParser) dayFileAlone(p string) error {
	name := strings.TrimSuffix(filepath.Base(p), ".json")
	if slackDayFile.MatchString(filepath.Base(p)) {
		name = filepath.Base(filepath.Dir(p))
	}
	cv := &slackConv{conv: vault.Conversation{ID: "slack:" + name, Title: name}}
	return sp.dayFile(cv, filepath.Base(p), func(first bool) (io.ReadCloser, error) {
		if first {
			return os.Open(p)
		}
		return sp.opt.open(p)
	})
}

// dayFile streams the messages of one per-day file, which open reads
// (twice: the first pass hashes it for provenance).
//
// open(true) opens the file for its first pass (its hash), which progress
// does not count.
func (sp *slackParser) dayFile(cv *slackConv, file string, open func(firstPass bool) (io.ReadCloser, error)) error {
	rc, err := open(true)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	h := sha256.New()
	_, err = io.Copy(h, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fileSum := hex.EncodeToString(h.Sum(nil))
	return jsonArray(file, "messages", func() (io.ReadCloser, error) { return open(false) }, func(decode func(any) error, n int, line func() int) error {
		sm := &sp.msg
		*sm = slackMsg{}
		if err := decode(sm); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return err
			}
			return sp.opt.skip(&Error{File: file, Line: line(), Err: fmt.Errorf("message %d: unexpected %s for %q", n, te.Value, te.Field)})
		}
		m, err := sp.message(cv, sm)
		if err == nil {
			m.Provenance = vault.Provenance{
				Format: "slack", File: file, FileSHA256: fileSum,
				Position: fmt.Sprintf("message %d", n), OriginalID: sm.TS, ImportedAt: sp.now,
			}
			err = sp.check.validate(m)
		}
		if err != nil {
			return sp.opt.skip(&Error{File: file, Line: line(), Err: fmt.Errorf("message %d: %w", n, err)})
		}
		cv.replies.put(sm.TS, m.ID)
		return sp.emit(m)
	})
}
