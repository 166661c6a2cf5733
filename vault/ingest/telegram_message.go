package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coffer/vault"
)

// tgMessage is one element of a chat's "messages" array. Fields that
// only some vintages write are simply absent in the others.
type tgMessage struct {
	ID         int64     `json:"id"`
	Type       string    `json:"type"`
	Date       string    `json:"date"`
	DateUnix   string    `json:"date_unixtime"`
	Edited     string    `json:"edited"`
	EditedUnix string    `json:"edited_unixtime"`
	From       string    `json:"from"` // null for deleted accounts
	FromID     tgID      `json:"from_id"`
	Actor      string    `json:"actor"`
	ActorID    tgID      `json:"actor_id"`
	Action     string    `json:"action"`
	Title      string    `json:"title"`
	Members    []*string `json:"members"`
	Text       tgText    `json:"text"`

	ReplyTo         int64   `json:"reply_to_message_id"`
	ReplyToPeer     tgID    `json:"reply_to_peer_id"`
	ForwardedFrom   *string `json:"forwarded_from"`
	ForwardedFromID tgID    `json:"forwarded_from_id"`
	SavedFrom       string  `json:"saved_from"`
	ViaBot          string  `json:"via_bot"`
	Author          string  `json:"author"`

	Photo        string `json:"photo"`
	PhotoSize    int64  `json:"photo_file_size"`
	File         string `json:"file"`
	FileName     string `json:"file_name"`
	FileSize     int64  `json:"file_size"`
	MediaType    string `json:"media_type"`
	MimeType     string `json:"mime_type"`
	Duration     int64  `json:"duration_seconds"`
	Width        int64  `json:"width"`
	Height       int64  `json:"height"`
	StickerEmoji string `json:"sticker_emoji"`
	Performer    string `json:"performer"`

	Contact      *tgContact  `json:"contact_information"`
	ContactVcard string      `json:"contact_vcard"`
	Location     *tgLocation `json:"location_information"`
	LivePeriod   int64       `json:"live_location_period_seconds"`
	PlaceName    string      `json:"place_name"`
	Address      string      `json:"address"`
	Poll         *tgPoll     `json:"poll"`

	MessageID     int64        `json:"message_id"`
	DiscardReason string       `json:"discard_reason"`
	Reactions     []tgReaction `json:"reactions"`
}

type tgContact struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone_number"`
}

type tgLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type tgPoll struct {
	Question    string `json:"question"`
	Closed      bool   `json:"closed"`
	TotalVoters int64  `json:"total_voters"`
	Answers     []struct {
		Text   string `json:"text"`
		Voters int64  `json:"voters"`
		Chosen bool   `json:"chosen"`
	} `json:"answers"`
}

type tgReaction struct {
	Type  string `json:"type"`
	Count int64  `json:"count"`
	Emoji string `json:"emoji"`
}

// tgID is a from_id/actor_id: an integer in exports before 2021, a
// string such as "user123" or "channel456" after. Integers are read as
// user ids, so both vintages of one sender agree.
type tgID string

func (t *tgID) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		s, err := jsonString(b)
		if err != nil {
			return err
		}
		*t = tgID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = tgID("user" + n.String())
	}
	return nil
}

// tgText is "text" flattened to plain text: a string, or an array of
// strings and entity objects ({"type": "bold", "text": ...}). Links stay
// readable: a text_link whose label differs from its URL becomes
// "label (url)".
type tgText string

func (t *tgText) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		s, err := jsonString(b)
		*t = tgText(s)
		return err
	case 'n':
		*t = ""
		return nil
	case '[':
	default:
		return &json.UnmarshalTypeError{Value: "non-text", Field: "text"}
	}
	var parts []tgEntity
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(p.render())
	}
	*t = tgText(sb.String())
	return nil
}

type tgEntity struct {
	Type   string
	Text   string
	Href   string
	UserID tgID
}

func (e *tgEntity) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		e.Type = "plain"
		var err error
		e.Text, err = jsonString(b)
		return err
	}
	var o struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		Href   string `json:"href"`
		UserID tgID   `json:"user_id"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = tgEntity{Type: o.Type, Text: o.Text, Href: o.Href, UserID: o.UserID}
	return nil
}

func (e tgEntity) render() string {
	if e.Type == "text_link" && e.Href != "" && e.Href != e.Text {
		// Channels hide a preview link behind a zero-width label.
		if strings.Trim(e.Text, " \n\u200b\u200c\u200d\u2060\ufeff") == "" {
			lead := strings.Trim(e.Text, "\u200b\u200c\u200d\u2060\ufeff")
			return lead + e.Href + " "
		}
		return e.Text + " (" + e.Href + ")"
	}
	return e.Text
}

// jsonString decodes a JSON string literal. Most strings in an export
// have no escapes and are valid UTF-8; those skip a second full decode
// (the decoder has already validated the literal).
func jsonString(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		in := b[1 : len(b)-1]
		if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
			return string(in), nil
		}
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// fileNotIncluded is how exports mark media they left out, e.g. "(File
// not included. Change data exporting settings to download.)".
func fileNotIncluded(p string) bool { return strings.HasPrefix(p, "(") }

// tgTime parses the message times. "date" is the exporting computer's
// local time without a zone; "date_unixtime" (exports since 2021) is the
// instant. With both, their difference is the exporter's UTC offset.
func (p *tgParser) times(tm *tgMessage, m *vault.Message) error {
	const layout = "2006-01-02T15:04:05"
	loc := p.opt.location()
	if tm.DateUnix != "" {
		sec, err := strconv.ParseInt(tm.DateUnix, 10, 64)
		if err != nil {
			return fmt.Errorf("bad date_unixtime %q", tm.DateUnix)
		}
		m.Time = time.Unix(sec, 0).UTC()
		if wall, err := time.Parse(layout, tm.Date); err == nil {
			if off := wall.Unix() - sec; off > -18*3600 && off < 18*3600 {
				m.Offset = int(off)
			}
		}
	} else if tm.Date != "" {
		t, err := time.ParseInLocation(layout, tm.Date, loc)
		if err != nil {
			return fmt.Errorf("bad date %q", tm.Date)
		}
		_, m.Offset = t.Zone()
		m.Time = t.UTC()
		m.Provenance.Timezone = loc.String()
	} else {
		return errors.New(`no "date" or "date_unixtime"`)
	}
	// Old exports write "edited": "1970-01-01T05:00:00" (the epoch in
	// the exporter's zone) for messages never edited.
	var ed time.Time
	if tm.EditedUnix != "" {
		if sec, err := strconv.ParseInt(tm.EditedUnix, 10, 64); err == nil {
			ed = time.Unix(sec, 0).UTC()
		}
	} else if tm.Edited != "" {
		if t, err := time.ParseInLocation(layout, tm.Edited, loc); err == nil {
			ed = t.UTC()
		}
	}
	if ed.Year() > 1970 {
		m.Edited = &ed
	}
	return nil
}

// message converts one decoded message; an error makes it a bad record.
func (p *tgParser) message(c *tgChat, tm *tgMessage) (*vault.Message, error) {
	m := &vault.Message{
		Source:       "telegram",
		Conversation: c.conversation(),
		Body:         string(tm.Text),
		Provenance: vault.Provenance{
			Format:     "telegram",
			File:       p.name,
			FileSHA256: p.sum,
			Position:   "message " + strconv.Itoa(p.n),
			OriginalID: strconv.FormatInt(tm.ID, 10),
			ImportedAt: p.now,
		},
	}
	if err := p.times(tm, m); err != nil {
		return nil, err
	}
	switch tm.Type {
	case "service":
		m.Kind = "system"
		m.Sender = tm.Actor
		m.SenderID = string(tm.ActorID)
		setHeader(m, "action", tm.Action)
		if m.Body == "" {
			m.Body = serviceText(tm)
		}
	case "message", "":
		m.Sender = tm.From
		m.SenderID = string(tm.FromID)
	default:
		return nil, fmt.Errorf("unknown message type %q", tm.Type)
	}
	if tm.ReplyTo != 0 {
		switch {
		case tm.ReplyToPeer != "":
			m.ReplyTo = fmt.Sprintf("telegram:%s:%d", strings.TrimPrefix(string(tm.ReplyToPeer), "channel"), tm.ReplyTo)
		default:
			if id, ok := c.replies.get(tm.ReplyTo); ok {
				m.ReplyTo = id
			} else {
				m.ReplyTo = fmt.Sprintf("%s:%d", m.Conversation.ID, tm.ReplyTo)
			}
		}
	}
	switch {
	case tm.ForwardedFrom != nil && *tm.ForwardedFrom != "":
		m.ForwardedFrom = *tm.ForwardedFrom
	case tm.ForwardedFromID != "":
		m.ForwardedFrom = string(tm.ForwardedFromID)
	case tm.ForwardedFrom != nil:
		m.ForwardedFrom = "(hidden)"
	}
	p.media(tm, m)
	truncateBody(m)
	if tm.ID == 0 {
		m.Provenance.OriginalID = "" // absent, not message 0
		m.Seq = c.seq.next(m)
	}
	if err := p.check.validate(m); err != nil {
		return nil, err
	}
	c.replies.put(tm.ID, m.ID)
	return m, nil
}

// serviceText describes a service message that has no text of its own
// ("create_group "Friends" (members: Ann, Bob)").
func serviceText(tm *tgMessage) string {
	var sb strings.Builder
	sb.WriteString(strings.ReplaceAll(tm.Action, "_", " "))
	if tm.Title != "" {
		fmt.Fprintf(&sb, " %q", tm.Title)
	}
	var members []string
	for _, s := range tm.Members {
		if s != nil {
			members = append(members, *s)
		} else {
			members = append(members, "(deleted account)")
		}
	}
	if len(members) > 0 {
		fmt.Fprintf(&sb, " (members: %s)", strings.Join(members, ", "))
	}
	if tm.MessageID != 0 {
		fmt.Fprintf(&sb, " (message %d)", tm.MessageID)
	}
	if tm.Duration != 0 {
		fmt.Fprintf(&sb, " (%d s)", tm.Duration)
	}
	if tm.DiscardReason != "" {
		fmt.Fprintf(&sb, " (%s)", tm.DiscardReason)
	}
	return sb.String()
}

// media turns a message's media and structured content into attachments
// and headers.
func (p *tgParser) media(tm *tgMessage, m *vault.Message) {
	if tm.Photo != "" {
		p.attach(m, tm.Photo, "", "image/jpeg", tm.PhotoSize, "photo")
	}
	if tm.File != "" {
		kind := tm.MediaType
		if kind == "" {
			kind = "file"
		}
		p.attach(m, tm.File, tm.FileName, tm.MimeType, tm.FileSize, kind)
	}
	if tm.ContactVcard != "" {
		p.attach(m, tm.ContactVcard, "", "text/vcard", 0, "contact")
	}
	setHeader(m, "media_type", tm.MediaType)
	setHeader(m, "sticker_emoji", tm.StickerEmoji)
	setHeader(m, "via_bot", tm.ViaBot)
	setHeader(m, "saved_from", tm.SavedFrom)
	setHeader(m, "author", tm.Author)
	setHeader(m, "title", tm.Title)
	setHeader(m, "performer", tm.Performer)
	if tm.Duration != 0 {
		setHeader(m, "duration_seconds", strconv.FormatInt(tm.Duration, 10))
	}
	if tm.Width != 0 && tm.Height != 0 {
		setHeader(m, "dimensions", fmt.Sprintf("%dx%d", tm.Width, tm.Height))
	}
	if c := tm.Contact; c != nil {
		setHeader(m, "contact", strings.TrimSpace(strings.TrimSpace(c.FirstName+" "+c.LastName)+" "+c.Phone))
	}
	if l := tm.Location; l != nil {
		setHeader(m, "location", strconv.FormatFloat(l.Latitude, 'f', -1, 64)+","+strconv.FormatFloat(l.Longitude, 'f', -1, 64))
		if tm.LivePeriod != 0 {
			setHeader(m, "live_location_seconds", strconv.FormatInt(tm.LivePeriod, 10))
		}
	}
	setHeader(m, "place", strings.TrimSpace(tm.PlaceName+" "+tm.Address))
	if pl := tm.Poll; pl != nil {
		var sb strings.Builder
		sb.WriteString(pl.Question)
		for _, a := range pl.Answers {
			mark := "[ ]"
			if a.Chosen {
				mark = "[x]"
			}
			fmt.Fprintf(&sb, "\n%s %s (%d)", mark, a.Text, a.Voters)
		}
		if pl.Closed {
			sb.WriteString("\n(closed)")
		}
		setHeader(m, "poll", sb.String())
		setHeader(m, "poll_voters", strconv.FormatInt(pl.TotalVoters, 10))
	}
	if len(tm.Reactions) > 0 {
		var rs []string
		for _, r := range tm.Reactions {
			rs = append(rs, fmt.Sprintf("%s×%d", r.Emoji, r.Count))
		}
		setHeader(m, "reactions", strings.Join(rs, " "))
	}
}

// attach adds one media file: its content when the export included it,
// else a Missing attachment saying why.
func (p *tgParser) attach(m *vault.Message, ref, name, typ string, size int64, kind string) {
	a := vault.Attachment{Name: name, Type: typ, Size: size}
	if fileNotIncluded(ref) {
		a.Missing = true
		if a.Name == "" {
			a.Name = kind
		}
		setHeader(m, "missing_"+kind, ref)
		m.Attachments = append(m.Attachments, a)
		return
	}
	if a.Name == "" {
		a.Name = path.Base(strings.ReplaceAll(ref, `\`, "/"))
	}
	content, why := p.root.read(ref)
	if why != "" {
		a.Missing = true
		setHeader(m, "missing_"+kind, ref+": "+why)
	} else {
		a.Content = content
	}
	m.Attachments = append(m.Attachments, a)
}
