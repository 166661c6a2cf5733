package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
)

// slackMsg is one message of a per-day file.
type slackMsg struct {
	Type        string            `json:"type"`
	Subtype     string            `json:"subtype"`
	TS          string            `json:"ts"`
	User        string            `json:"user"`
	BotID       string            `json:"bot_id"`
	Username    string            `json:"username"`
	Text        string            `json:"text"`
	ThreadTS    string            `json:"thread_ts"`
	ReplyCount  int               `json:"reply_count"`
	Edited      *slackEdited      `json:"edited"`
	Files       []slackFile       `json:"files"`
	File        *slackFile        `json:"file"`
	Attachments []slackAttachment `json:"attachments"`
	Blocks      json.RawMessage   `json:"blocks"` // decoded only when text is empty
	UserProfile *struct {
		RealName    string `json:"real_name"`
		DisplayName string `json:"display_name"`
		Name        string `json:"name"`
	} `json:"user_profile"`
	Reactions []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	} `json:"reactions"`
}

// slackBlock is a Block Kit block or rich-text element; only what is
// needed to read the text is decoded.
type slackBlock struct {
	Type      string          `json:"type"`
	Text      json.RawMessage `json:"text"` // a string in elements, an object in section blocks
	URL       string          `json:"url"`
	UserID    string          `json:"user_id"`
	ChannelID string          `json:"channel_id"`
	Name      string          `json:"name"`
	Range     string          `json:"range"`
	Elements  []slackBlock    `json:"elements"`
}

type slackEdited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

type slackFile struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Mimetype string `json:"mimetype"`
	Size     int64  `json:"size"`
	Mode     string `json:"mode"` // "tombstone" for deleted files
}

type slackAttachment struct {
	Fallback  string `json:"fallback"`
	Pretext   string `json:"pretext"`
	Title     string `json:"title"`
	TitleLink string `json:"title_link"`
	Text      string `json:"text"`
	Fields    []struct {
		Title string `json:"title"`
		Value string `json:"value"`
	} `json:"fields"`
}

// slackSystem lists the subtypes Slack itself writes (no human author).
var slackSystem = map[string]bool{
	"channel_join": true, "channel_leave": true, "channel_topic": true, "channel_purpose": true,
	"channel_name": true, "channel_archive": true, "channel_unarchive": true,
	"channel_convert_to_private": true, "channel_convert_to_public": true,
	"group_join": true, "group_leave": true, "group_topic": true, "group_purpose": true,
	"group_name": true, "group_archive": true, "group_unarchive": true,
	"bot_add": true, "bot_remove": true, "pinned_item": true, "unpinned_item": true,
	"reminder_add": true, "joiner_notification": true, "tombstone": true,
}

// slackTime parses a ts ("1681413317.397479": seconds and microseconds).
func slackTime(ts string) (time.Time, error) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, fmt.Errorf("bad ts %q", ts)
	}
	var ns int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return time.Time{}, fmt.Errorf("bad ts %q", ts)
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	return time.Unix(s, ns).UTC(), nil
}

func (sp *slackParser) message(cv *slackConv, sm *slackMsg) (*vault.Message, error) {
	if sm.TS == "" {
		return nil, errors.New(`no "ts"`)
	}
	t, err := slackTime(sm.TS)
	if err != nil {
		return nil, err
	}
	m := &vault.Message{Source: "slack", Conversation: cv.conv, Time: t, SenderID: sm.User}
	switch {
	case sm.User != "" && sp.names[sm.User] != "":
		m.Sender = sp.names[sm.User]
	case sm.UserProfile != nil:
		// Only the message's own profile: a name learnt from another
		// message would make this message's ID depend on what else the
		// export holds, and an overlapping export would duplicate it.
		m.Sender = firstNonEmpty(sm.UserProfile.RealName, sm.UserProfile.DisplayName, sm.UserProfile.Name, sm.User)
	case sm.Username != "":
		m.Sender = sm.Username
	case sm.BotID != "" && sp.bots[sm.BotID] != "":
		m.Sender = sp.bots[sm.BotID]
	case sm.User != "":
		m.Sender = sm.User
	case sm.BotID != "":
		m.Sender = "bot " + sm.BotID
	}
	if m.SenderID == "" {
		m.SenderID = sm.BotID
	}
	if loc := sp.zones[sm.User]; loc != nil {
		_, m.Offset = t.In(loc).Zone()
	} else if off, ok := sp.offsets[sm.User]; ok {
		m.Offset = off
	}
	if slackSystem[sm.Subtype] {
		m.Kind = "system"
	}
	setHeader(m, "subtype", sm.Subtype)
	m.Body = sp.render(sm.Text)
	if m.Body == "" && len(sm.Blocks) > 0 {
		// Some apps post blocks only; Slack's own messages always
		// have text, which stays the source of truth when present.
		var blocks []slackBlock
		if err := json.Unmarshal(sm.Blocks, &blocks); err != nil {
			return nil, fmt.Errorf("blocks: %v", err)
		}
		var sb strings.Builder
		sp.blocksText(&sb, blocks, 0)
		m.Body = strings.TrimSpace(sb.String())
	}
	if att := sp.attachmentText(sm.Attachments); att != "" {
		if m.Body != "" {
			m.Body += "\n"
		}
		m.Body += att
	}
	if sm.ThreadTS != "" && sm.ThreadTS != sm.TS {
		if id, ok := cv.replies.get(sm.ThreadTS); ok {
			m.ReplyTo = id
		} else {
			m.ReplyTo = cv.conv.ID + ":" + sm.ThreadTS
		}
	}
	if sm.ReplyCount > 0 {
		setHeader(m, "thread_replies", strconv.Itoa(sm.ReplyCount))
	}
	if sm.Edited != nil && sm.Edited.TS != "" {
		if et, err := slackTime(sm.Edited.TS); err == nil {
			m.Edited = &et
		}
		if sm.Edited.User != "" && sm.Edited.User != sm.User {
			setHeader(m, "edited_by", sp.userName(sm.Edited.User))
		}
	}
	files := sm.Files
	if sm.File != nil && sm.Subtype != "file_comment" {
		files = append(files, *sm.File)
	} else if sm.File != nil {
		setHeader(m, "file", firstNonEmpty(sm.File.Name, sm.File.Title, sm.File.ID))
	}
	for _, f := range files {
		if f.Mode == "tombstone" {
			setHeader(m, "deleted_file", f.ID)
			continue
		}
		// Exports link to files (with tokens that expire); the content
		// is never in them.
		m.Attachments = append(m.Attachments, vault.Attachment{
			Name: firstNonEmpty(f.Name, f.Title, f.ID), Type: f.Mimetype, Size: f.Size, Missing: true,
		})
	}
	if len(sm.Reactions) > 0 {
		var rs []string
		for _, r := range sm.Reactions {
			rs = append(rs, fmt.Sprintf(":%s:×%d", r.Name, r.Count))
		}
		setHeader(m, "reactions", strings.Join(rs, " "))
	}
	truncateBody(m)
	return m, nil
}

// attachmentText renders legacy message attachments (bot posts, link
// unfurls) as text, since for many bots that is the whole message.
func (sp *slackParser) attachmentText(as []slackAttachment) string {
	var parts []string
	for _, a := range as {
		var p []string
		for _, s := range []string{a.Pretext, a.Title, a.Text} {
			if s != "" {
				p = append(p, sp.render(s))
			}
		}
		if a.TitleLink != "" && a.Title != "" {
			p = append(p, a.TitleLink)
		}
		for _, f := range a.Fields {
			p = append(p, sp.render(f.Title)+": "+sp.render(f.Value))
		}
		if len(p) == 0 && a.Fallback != "" {
			p = append(p, sp.render(a.Fallback))
		}
		parts = append(parts, strings.Join(p, "\n"))
	}
	return strings.Join(parts, "\n")
}

// blocksText renders Block Kit blocks (rich_text and section) as text.
func (sp *slackParser) blocksText(sb *strings.Builder, bs []slackBlock, depth int) {
	if depth > 16 {
		return
	}
	for _, b := range bs {
		var text string
		var obj struct {
			Text string `json:"text"`
		}
		if len(b.Text) > 0 && b.Text[0] == '"' {
			json.Unmarshal(b.Text, &text)
		} else if len(b.Text) > 0 && json.Unmarshal(b.Text, &obj) == nil {
			text = sp.render(obj.Text)
		}
		switch b.Type {
		case "text":
			sb.WriteString(text)
		case "link":
			if text != "" && text != b.URL {
				sb.WriteString(text + " (" + b.URL + ")")
			} else {
				sb.WriteString(b.URL)
			}
		case "user":
			sb.WriteString("@" + sp.userName(b.UserID))
		case "channel":
			sb.WriteString("#" + firstNonEmpty(sp.chans[b.ChannelID], b.ChannelID))
		case "emoji":
			sb.WriteString(":" + b.Name + ":")
		case "broadcast":
			sb.WriteString("@" + b.Range)
		case "rich_text_list":
			for _, item := range b.Elements {
				sb.WriteString("\n• ")
				sp.blocksText(sb, item.Elements, depth+1)
			}
			sb.WriteString("\n")
		case "rich_text_preformatted", "rich_text_quote", "rich_text_section":
			sp.blocksText(sb, b.Elements, depth+1)
			if b.Type != "rich_text_section" {
				sb.WriteString("\n")
			}
		case "section", "header", "context":
			sb.WriteString(text)
			sp.blocksText(sb, b.Elements, depth+1)
			sb.WriteString("\n")
		default:
			sp.blocksText(sb, b.Elements, depth+1)
		}
	}
}

var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// render turns Slack's message markup into readable text: <@U123> is
// "@Name", <#C123|general> "#general", <url|label> "label (url)", and
// the three escaped characters are restored.
func (sp *slackParser) render(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		slackUnescape(&sb, s[:i])
		slackUnescape(&sb, sp.link(s[i+1:i+j]))
		s = s[i+j+1:]
	}
	slackUnescape(&sb, s)
	return sb.String()
}

// slackUnescape writes s to sb with the escaped characters restored.
// Most text has none: it is copied without the Replacer's scan and
// intermediate strings, a tenth of a Slack import's time (issue 17).
func slackUnescape(sb *strings.Builder, s string) {
	if strings.IndexByte(s, '&') < 0 {
		sb.WriteString(s)
		return
	}
	slackEntities.WriteString(sb, s)
}

func (sp *slackParser) link(t string) string {
	target, label, _ := strings.Cut(t, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if n := sp.names[target[1:]]; n != "" {
			return "@" + n
		}
		if label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return target
	case strings.HasPrefix(target, "#"):
		if label == "" {
			label = sp.chans[target[1:]]
		}
		if label == "" {
			return target
		}
		return "#" + label
	case target == "!here" || target == "!channel" || target == "!everyone":
		return "@" + target[1:]
	case strings.HasPrefix(target, "!"):
		if label != "" {
			return label
		}
		return target
	}
	plain := strings.TrimPrefix(target, "mailto:")
	if label == "" || label == target || label == plain {
		return plain
	}
	return label + " (" + target + ")"
}
