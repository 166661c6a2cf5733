package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"coffer/vault"
)

// Discord reads a DiscordChatExporter JSON export: one channel (a guild
// text channel, a thread, a DM or a group DM) per file, its guild and
// channel first, then its messages. Replies are linked through their
// "reference", edits keep their edit time, reactions their emoji and
// count (and who, where the export lists users), attachments, stickers
// and embeds are kept as references (the export links to them; its
// downloaded media are not read), and Discord's own notices (joins,
// pins, renames, calls, threads started) are system messages.
//
// The file is streamed a message at a time, like Telegram's result.json.
// A message id seen twice in one file is stored once; the same message
// in two overlapping exports gets the same content-derived ID and is
// stored once by the vault.
var Discord = Format{
	Name:   "discord",
	Detect: detectDiscord,
	Parse:  parseDiscord,
}

func detectDiscord(path string) bool {
	head := readHead(path, detectBytes)
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	has := func(s string) bool { return bytes.Contains(head, []byte(s)) }
	return has(`"guild"`) && has(`"channel"`) && (has(`"messages"`) || has(`"dateRange"`))
}

type dcGuild struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type dcChannel struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Category string `json:"category"`
	Name     string `json:"name"`
}

type dcUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Nickname string `json:"nickname"`
	IsBot    bool   `json:"isBot"`
}

func (u *dcUser) display() string { return firstNonEmpty(u.Nickname, u.Name, u.ID) }

type dcMessage struct {
	ID                 string  `json:"id"`
	Type               string  `json:"type"`
	Timestamp          string  `json:"timestamp"`
	TimestampEdited    *string `json:"timestampEdited"`
	CallEndedTimestamp *string `json:"callEndedTimestamp"`
	IsPinned           bool    `json:"isPinned"`
	Content            string  `json:"content"`
	Author             dcUser  `json:"author"`
	Attachments        []struct {
		ID            string `json:"id"`
		URL           string `json:"url"`
		FileName      string `json:"fileName"`
		FileSizeBytes int64  `json:"fileSizeBytes"`
	} `json:"attachments"`
	Embeds []struct {
		Title       string `json:"title"`
		URL         string `json:"url"`
		Description string `json:"description"`
	} `json:"embeds"`
	Stickers []struct {
		Name string `json:"name"`
	} `json:"stickers"`
	Reactions []struct {
		Emoji struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"emoji"`
		Count int      `json:"count"`
		Users []dcUser `json:"users"`
	} `json:"reactions"`
	Mentions  []dcUser `json:"mentions"`
	Reference *struct {
		MessageID *string `json:"messageId"`
		ChannelID *string `json:"channelId"`
	} `json:"reference"`
	Interaction *struct {
		Name string `json:"name"`
		User dcUser `json:"user"`
	} `json:"interaction"`
}

// dcUserKinds are the message types a person writes; every other type
// (GuildMemberJoin, ChannelPinnedMessage, Call, ThreadCreated, ...) is
// a notice Discord writes about them.
var dcUserKinds = map[string]bool{
	"": true, "Default": true, "Reply": true, "ChatInputCommand": true,
	"ContextMenuCommand": true, "ThreadStarterMessage": true,
}

// dcNotices is the text of a notice whose content the export left empty.
var dcNotices = map[string]string{
	"GuildMemberJoin":      "joined the server",
	"ChannelPinnedMessage": "pinned a message to this channel",
	"ChannelNameChange":    "changed the channel name",
	"ChannelIconChange":    "changed the channel icon",
	"RecipientAdd":         "added someone to the group",
	"RecipientRemove":      "removed someone from the group",
	"Call":                 "started a call",
	"ThreadCreated":        "started a thread",
}

type dcParser struct {
	check textCheck // validate with memory of the file's shared strings
	jsonStream
	sum     string
	opt     Options
	emit    Emit
	now     time.Time
	guild   dcGuild
	channel *dcChannel
	conv    vault.Conversation
	ready   bool
	seen    replyIndex[string] // message id -> vault ID, for replies and repeats
	n       int
	dm      dcMessage
}

func parseDiscord(path string, opt Options, emit Emit) error {
	f, name, sum, err := openHashed(path, opt)
	if err != nil {
		return err
	}
	defer f.Close()
	p := &dcParser{jsonStream: newJSONStream(f, name, fileLines(path)), sum: sum, opt: opt, emit: emit, now: opt.now()}
	defer p.lines.close()
	if err := p.expectDelim('{'); err != nil {
		return err
	}
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return err
		}
		switch t {
		case "guild":
			err = p.decode(&p.guild)
		case "channel":
			err = p.decode(&p.channel)
		case "messages":
			err = p.messages()
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
	if _, err := p.token(); err != nil { // '}'
		return err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return p.syntax(errors.New("data after the top-level object"))
	}
	return nil
}

// conversation is the channel's, once the guild and channel (which the
// exporter writes before the messages) are known.
func (p *dcParser) conversation() vault.Conversation {
	if p.ready {
		return p.conv
	}
	p.ready = true
	ch := p.channel
	if ch == nil || ch.ID == "" {
		name := strings.TrimSuffix(p.name, filepath.Ext(p.name))
		p.conv = vault.Conversation{ID: "discord:file:" + name, Title: name}
		return p.conv
	}
	p.conv.ID = "discord:" + ch.ID
	switch {
	case p.guild.ID == "0" || p.guild.ID == "" || ch.Type == "DirectTextChat" || ch.Type == "DirectGroupTextChat":
		p.conv.Title = firstNonEmpty(ch.Name, ch.ID)
	case strings.HasSuffix(ch.Type, "Thread") && ch.Category != "":
		// A thread's category is the channel it was started in.
		p.conv.Title = p.guild.Name + " › #" + ch.Category + " › " + ch.Name
	default:
		p.conv.Title = p.guild.Name + " › #" + ch.Name
	}
	return p.conv
}

func (p *dcParser) messages() error {
	t, err := p.token()
	if err != nil || t == nil {
		return err
	}
	if t != json.Delim('[') {
		return p.syntax(fmt.Errorf("messages: expected an array, found %s", tokenText(t)))
	}
	for p.dec.More() {
		p.n++
		start := p.dec.InputOffset()
		p.lim.mark(start)
		dm := &p.dm
		*dm = dcMessage{}
		if err := p.dec.Decode(dm); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return p.syntax(err)
			}
			if err := p.bad(start, fmt.Errorf("unexpected %s for %q", te.Value, firstNonEmpty(te.Field, "message"))); err != nil {
				return err
			}
			continue
		}
		if dm.ID != "" {
			if _, dup := p.seen.get(dm.ID); dup {
				continue // an export that overlaps itself (a resumed export)
			}
		}
		m, err := p.message(dm)
		if err == nil {
			m.Provenance = vault.Provenance{
				Format: "discord", File: p.name, FileSHA256: p.sum, ImportedAt: p.now,
				Position: fmt.Sprintf("message %d", p.n), OriginalID: dm.ID,
			}
			err = p.check.validate(m)
		}
		if err != nil {
			if err := p.bad(start, err); err != nil {
				return err
			}
			continue
		}
		if dm.ID != "" {
			p.seen.put(dm.ID, m.ID)
		}
		if err := p.emit(m); err != nil {
			return err
		}
	}
	_, err = p.token() // ']'
	return err
}

func (p *dcParser) message(dm *dcMessage) (*vault.Message, error) {
	if dm.Timestamp == "" {
		return nil, errors.New(`no "timestamp"`)
	}
	t, err := time.Parse(time.RFC3339Nano, dm.Timestamp)
	if err != nil {
		return nil, fmt.Errorf("bad timestamp %q", dm.Timestamp)
	}
	_, off := t.Zone()
	m := &vault.Message{
		Source: "discord", Conversation: p.conversation(), Time: t.UTC(), Offset: off,
		Sender: dm.Author.display(), SenderID: dm.Author.ID, Body: dm.Content,
	}
	if dm.Author.IsBot {
		setHeader(m, "bot", "true")
	}
	if !dcUserKinds[dm.Type] {
		m.Kind = "system"
		if m.Body == "" {
			m.Body = firstNonEmpty(dcNotices[dm.Type], dm.Type)
		}
	}
	if dm.Type != "Default" {
		setHeader(m, "type", dm.Type)
	}
	if dm.TimestampEdited != nil && *dm.TimestampEdited != "" {
		if et, err := time.Parse(time.RFC3339Nano, *dm.TimestampEdited); err == nil {
			et = et.UTC()
			m.Edited = &et
		}
	}
	if dm.CallEndedTimestamp != nil && *dm.CallEndedTimestamp != "" {
		if ct, err := time.Parse(time.RFC3339Nano, *dm.CallEndedTimestamp); err == nil {
			setHeader(m, "call_ended", ct.UTC().Format(time.RFC3339))
		}
	}
	if dm.IsPinned {
		setHeader(m, "pinned", "true")
	}
	if ref := dm.Reference; ref != nil {
		switch {
		case dm.Type == "ThreadCreated" && ref.ChannelID != nil:
			setHeader(m, "thread", "discord:"+*ref.ChannelID)
		case ref.MessageID != nil && *ref.MessageID != "":
			if id, ok := p.seen.get(*ref.MessageID); ok {
				m.ReplyTo = id
			} else {
				m.ReplyTo = "discord:" + *ref.MessageID
			}
		}
	}
	if it := dm.Interaction; it != nil && it.Name != "" {
		setHeader(m, "command", "/"+it.Name+" by "+it.User.display())
	}
	for _, a := range dm.Attachments {
		m.Attachments = append(m.Attachments, vault.Attachment{
			Name: firstNonEmpty(a.FileName, a.ID), Size: a.FileSizeBytes, Missing: true,
		})
	}
	var refs []string
	for _, e := range dm.Embeds {
		refs = append(refs, strings.TrimSpace(strings.Join(nonEmpty(e.Title, e.URL), " ")))
	}
	setHeader(m, "embeds", strings.Join(nonEmpty(refs...), "\n"))
	var stickers []string
	for _, s := range dm.Stickers {
		stickers = append(stickers, s.Name)
	}
	setHeader(m, "stickers", strings.Join(nonEmpty(stickers...), ", "))
	var mentions []string
	for _, u := range dm.Mentions {
		mentions = append(mentions, u.display())
	}
	setHeader(m, "mentions", strings.Join(nonEmpty(mentions...), ", "))
	for _, r := range dm.Reactions {
		emoji := r.Emoji.Name
		if r.Emoji.ID != "" {
			emoji = ":" + r.Emoji.Name + ":" // a custom emoji, an image
		}
		if len(r.Users) > 0 && len(r.Users) == r.Count {
			for _, u := range r.Users {
				m.Reactions = append(m.Reactions, vault.Reaction{Emoji: emoji, By: u.display()})
			}
			continue
		}
		m.Reactions = append(m.Reactions, vault.Reaction{Emoji: emoji, Count: max(r.Count, 1)})
	}
	truncateBody(m)
	return m, nil
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (p *dcParser) bad(off int64, err error) error {
	return p.opt.skip(&Error{File: p.name, Line: p.lines.valueAt(off), Err: fmt.Errorf("message %d: %w", p.n, err)})
}
