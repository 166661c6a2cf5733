package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
)

// sigtopMsg is one element of sigtop's JSON output: Signal Desktop's own
// message record, copied from its database as is (so fields vary with
// the Signal Desktop version; sigtop's manual says as much). Sender
// names are not in it, only service ids (or phone numbers, in old
// versions); the conversation's name is the file's name, which sigtop
// derives from the recipient.
type sigtopMsg struct {
	ID              string             `json:"id"`
	ConversationID  string             `json:"conversationId"`
	Type            string             `json:"type"`
	Body            string             `json:"body"`
	SentAt          int64              `json:"sent_at"`
	Timestamp       int64              `json:"timestamp"`
	ServerTimestamp int64              `json:"serverTimestamp"`
	Source          string             `json:"source"`
	SourceUUID      string             `json:"sourceUuid"`
	SourceServiceID string             `json:"sourceServiceId"`
	Attachments     []sigtopAttachment `json:"attachments"`
	Quote           *struct {
		ID         *json.Number `json:"id"`
		Author     string       `json:"author"`
		AuthorUUID string       `json:"authorUuid"`
		AuthorACI  string       `json:"authorAci"`
		Text       string       `json:"text"`
	} `json:"quote"`
	Reactions []struct {
		Emoji  string `json:"emoji"`
		FromID string `json:"fromId"`
	} `json:"reactions"`
	EditHistory []struct {
		Body      string `json:"body"`
		Timestamp int64  `json:"timestamp"`
	} `json:"editHistory"`
	EditMessageTimestamp int64 `json:"editMessageTimestamp"`
	BodyRanges           []struct {
		Start           int    `json:"start"`
		Length          int    `json:"length"`
		MentionUUID     string `json:"mentionUuid"`
		MentionACI      string `json:"mentionAci"`
		ReplacementText string `json:"replacementText"`
	} `json:"bodyRanges"`
	Sticker *struct {
		PackID    string `json:"packId"`
		StickerID int64  `json:"stickerId"`
		Emoji     string `json:"emoji"`
	} `json:"sticker"`
	Preview []struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	} `json:"preview"`
	DeletedForEveryone bool  `json:"deletedForEveryone"`
	ExpireTimer        int64 `json:"expireTimer"`
}

type sigtopAttachment struct {
	ContentType string `json:"contentType"`
	FileName    string `json:"fileName"`
	Size        int64  `json:"size"`
	Pending     bool   `json:"pending"`
}

// longTextType is the attachment Signal uses for the full text of a
// message over 2000 bytes (the body holds only the start).
const longTextType = "text/x-signal-plain"

type sigtopConv struct {
	conv    vault.Conversation
	replies replyIndex[int64]
}

func parseSigtop(path, name, sum string, opt Options, emit Emit) error {
	f, err := opt.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	title := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	lines := fileLines(path)
	defer lines.close()
	lim := newLimitReader(bufio.NewReaderSize(f, 256<<10))
	dec := json.NewDecoder(lim)
	broken := func(err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			off = lim.n
			err = errors.New("unexpected end of file")
		}
		return &Error{File: name, Line: lines.at(off), Err: fmt.Errorf("malformed JSON: %v", err)}
	}
	if t, err := dec.Token(); err != nil {
		return broken(err)
	} else if t != json.Delim('[') {
		return &Error{File: name, Line: 1, Err: errors.New("expected an array of messages")}
	}
	convs := map[string]*sigtopConv{}
	now := opt.now()
	var sm sigtopMsg
	for n := 1; dec.More(); n++ {
		start := dec.InputOffset()
		lim.mark(start)
		sm = sigtopMsg{}
		bad := func(err error) error {
			return opt.skip(&Error{File: name, Line: lines.valueAt(start), Err: fmt.Errorf("message %d: %w", n, err)})
		}
		if err := dec.Decode(&sm); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return broken(err)
			}
			if err := bad(fmt.Errorf("unexpected %s for %q", te.Value, te.Field)); err != nil {
				return err
			}
			continue
		}
		cv := convs[sm.ConversationID]
		if cv == nil {
			id := sm.ConversationID
			if id == "" {
				id = "file:" + title
			}
			cv = &sigtopConv{conv: vault.Conversation{ID: "signal:" + id, Title: title}}
			convs[sm.ConversationID] = cv
		}
		m, err := sigtopMessage(cv, &sm)
		if err == nil {
			m.Provenance = vault.Provenance{Format: "signal", File: name, FileSHA256: sum,
				Position: fmt.Sprintf("message %d", n), OriginalID: sm.ID, ImportedAt: now}
			err = validate(m)
		}
		if err != nil {
			if err := bad(err); err != nil {
				return err
			}
			continue
		}
		cv.replies.put(sm.SentAt, m.ID)
		if err := emit(m); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return broken(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{File: name, Line: lines.at(dec.InputOffset()), Err: errors.New("malformed JSON: data after the array")}
	}
	return nil
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func sigtopMessage(cv *sigtopConv, sm *sigtopMsg) (*vault.Message, error) {
	sent := sm.SentAt
	if sent == 0 {
		sent = sm.Timestamp
	}
	if sent <= 0 {
		return nil, errors.New(`no "sent_at"`)
	}
	m := &vault.Message{Source: "signal", Conversation: cv.conv, Time: msTime(sent),
		Body: sigtopBody(sm)}
	switch sm.Type {
	case "outgoing":
		m.Sender = "me"
	case "incoming":
		m.SenderID = firstNonEmpty(sm.SourceServiceID, sm.SourceUUID, sm.Source)
		m.Sender = m.SenderID
	default:
		m.Kind = "system"
		m.SenderID = firstNonEmpty(sm.SourceServiceID, sm.SourceUUID, sm.Source)
		m.Sender = m.SenderID
		if m.Body == "" {
			m.Body = strings.ReplaceAll(sm.Type, "-", " ")
		}
	}
	setHeader(m, "type", sm.Type)
	if q := sm.Quote; q != nil && q.ID != nil {
		if qid, err := q.ID.Int64(); err == nil && qid > 0 {
			if id, ok := cv.replies.get(qid); ok {
				m.ReplyTo = id
			} else {
				m.ReplyTo = cv.conv.ID + ":" + strconv.FormatInt(qid, 10)
			}
		}
		setHeader(m, "quote", q.Text)
	}
	// Signal keeps the latest text in body and every version, newest
	// first, in editHistory; the older ones are kept as headers.
	if len(sm.EditHistory) > 1 {
		ed := sm.EditMessageTimestamp
		for i, e := range sm.EditHistory {
			ed = max(ed, e.Timestamp)
			if i > 0 {
				setHeader(m, fmt.Sprintf("edit.%d", len(sm.EditHistory)-i), msTime(e.Timestamp).Format(time.RFC3339)+" "+e.Body)
			}
		}
		if ed > sent {
			t := msTime(ed)
			m.Edited = &t
		}
	}
	for _, a := range sm.Attachments {
		name := a.FileName
		if name == "" {
			name = "attachment"
			if a.ContentType != "" {
				name += " (" + a.ContentType + ")"
			}
		}
		if a.ContentType == longTextType {
			setHeader(m, "long_text", "the body is the start of a longer text kept in an attachment")
		}
		// sigtop writes attachments separately (export-attachments),
		// under names of its own: the JSON cannot point at them.
		m.Attachments = append(m.Attachments, vault.Attachment{Name: name, Type: a.ContentType, Size: a.Size, Missing: true})
	}
	if s := sm.Sticker; s != nil {
		setHeader(m, "sticker", strings.TrimSpace(s.Emoji+" "+s.PackID+"/"+strconv.FormatInt(s.StickerID, 10)))
	}
	var rs []string
	for _, r := range sm.Reactions {
		rs = append(rs, r.Emoji)
	}
	setHeader(m, "reactions", strings.Join(rs, " "))
	var links []string
	for _, p := range sm.Preview {
		links = append(links, p.URL)
	}
	setHeader(m, "link_preview", strings.Join(links, " "))
	if sm.DeletedForEveryone {
		setHeader(m, "deleted", "true")
	}
	if sm.ExpireTimer > 0 {
		setHeader(m, "expire_timer_seconds", strconv.FormatInt(sm.ExpireTimer, 10))
	}
	truncateBody(m)
	return m, nil
}

// sigtopBody puts mentions back into the body: Signal stores each as
// U+FFFC with a bodyRange naming the person by service id (sigtop's JSON
// has no names; the replacement text is used when present). The ranges'
// offsets count UTF-16 units, so placeholders are matched to mention
// ranges in order instead, which is how Signal writes them.
func sigtopBody(sm *sigtopMsg) string {
	if len(sm.BodyRanges) == 0 || !strings.ContainsRune(sm.Body, '\ufffc') {
		return sm.Body
	}
	var mentions []string
	for _, br := range sm.BodyRanges {
		if id := firstNonEmpty(br.ReplacementText, br.MentionACI, br.MentionUUID); id != "" {
			mentions = append(mentions, "@"+id)
		}
	}
	var sb strings.Builder
	for _, r := range sm.Body {
		if r == '\ufffc' && len(mentions) > 0 {
			sb.WriteString(mentions[0])
			mentions = mentions[1:]
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
