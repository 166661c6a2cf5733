package access

import (
	"bufio"
	"encoding/json"
	"io"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"coffer/vault"
	"coffer/vault/audit"
)

// Conversation is what a list of conversations shows. Title and
// Participants come from the archive: the list is recorded before it is
// returned (Conversations).
type Conversation struct {
	ID, Title, Source string
	Participants      []string
	Last              time.Time
	// IDs are the conversation's messages in time order and Times their
	// Unix seconds (for day separators without reading content).
	IDs   []string
	Times []int64
}

// Place is where a message sits: its conversation and position in it.
type Place struct{ Conv, Pos int }

// Directory is the conversations of the vault and where each message
// sits in them.
type Directory struct {
	Convs []Conversation
	byID  map[string]int // a conversation's index in Convs, by its id
	// By position in the vault's time order (the vault's one table from
	// ID to position finds it): the conversation and the place in it.
	position     func(id string) (int, bool)
	conv, inConv []uint32
	// parent is, by position, the position of the message it replies to
	// (noParent when none is in the vault): the shape of reply threads,
	// which thread views draw without reading content.
	parent []uint32
	// replies maps a ReplyTo that names the source's own id ("email:<…>",
	// "<conversation>:<id>") to the ID of the message it names, for the
	// ReplyTo values that are not IDs already.
	replies map[string]string
}

const noParent = ^uint32(0)

// Parent returns the ID of the message id replies to, when the vault
// holds it.
func (d *Directory) Parent(id string) (string, bool) {
	p, ok := d.position(id)
	if !ok || p >= len(d.parent) || d.parent[p] == noParent {
		return "", false
	}
	pp := d.parent[p]
	c := d.Convs[d.conv[pp]]
	return c.IDs[d.inConv[pp]], true
}

// Resolve returns the ID of the message that ref (a ReplyTo) names, when
// the vault holds it.
func (d *Directory) Resolve(ref string) (string, bool) {
	if ref == "" {
		return "", false
	}
	if _, ok := d.position(ref); ok {
		return ref, true
	}
	id, ok := d.replies[ref]
	return id, ok
}

// Place returns where message id sits.
func (d *Directory) Place(id string) (Place, bool) {
	p, ok := d.position(id)
	if !ok || p >= len(d.conv) {
		return Place{}, false
	}
	return Place{int(d.conv[p]), int(d.inConv[p])}, true
}

// Len is the number of messages placed.
func (d *Directory) Len() int { return len(d.conv) }

// title is the title the list shows for conversation conv, as an event
// records it.
func (d *Directory) title(conv string) string {
	if i, ok := d.byID[conv]; ok {
		return clip(d.Convs[i].Title, maxTitle)
	}
	return ""
}

// newDirectory groups the vault's messages, in time order, into
// conversations, from their metadata (vault.Vault.Meta: the loaded
// messages, or the catalogs); position is the vault's table from ID to
// position.
func newDirectory(v *vault.Vault) *Directory {
	n := v.Len()
	d := &Directory{position: v.Position, conv: make([]uint32, n), inConv: make([]uint32, n)}
	byID := map[string]int{}
	d.byID = byID
	parts := map[int]map[string]bool{}
	var lastSender []string // by conversation: who was added last
	var m vault.Meta
	// By Meta.Keys[2] (a catalog's conversation entry): 1 + the index
	// into Convs, and whether its participants were added. At 10M, a map
	// lookup or insert per message was most of the list's time.
	var convMemo []int32
	var partsDone []bool
	ids := v.IDs()
	for p := range n {
		v.Meta(p, &m)
		i := -1
		k := m.Keys[2]
		if k >= 0 && int(k) < len(convMemo) && convMemo[k] > 0 {
			i = int(convMemo[k]) - 1
		}
		if i < 0 {
			var ok bool
			if i, ok = byID[m.Conversation.ID]; !ok {
				i = len(d.Convs)
				byID[m.Conversation.ID] = i
				d.Convs = append(d.Convs, Conversation{ID: m.Conversation.ID, Source: m.Source})
				parts[i] = map[string]bool{}
				lastSender = append(lastSender, "")
			}
			if k >= 0 {
				for int(k) >= len(convMemo) {
					convMemo = append(convMemo, 0)
					partsDone = append(partsDone, false)
				}
				convMemo[k] = int32(i) + 1
			}
		}
		c := &d.Convs[i]
		if m.Conversation.Title != "" {
			c.Title = m.Conversation.Title
		}
		if k < 0 || !partsDone[k] {
			for _, p := range m.Conversation.Participants {
				parts[i][p] = true
			}
			if k >= 0 {
				partsDone[k] = true
			}
		}
		if m.Sender != "" && m.Sender != lastSender[i] && len(parts[i]) < 64 {
			parts[i][m.Sender] = true
			lastSender[i] = m.Sender
		}
		d.conv[p], d.inConv[p] = uint32(i), uint32(len(c.IDs))
		c.IDs = append(c.IDs, ids[p])
		c.Times = append(c.Times, m.Time.Unix())
		if m.Time.After(c.Last) {
			c.Last = m.Time
		}
	}
	d.threads(v)
	for i := range d.Convs {
		c := &d.Convs[i]
		if c.Title == "" {
			c.Title = c.ID
		}
		for p := range parts[i] {
			c.Participants = append(c.Participants, p)
		}
		sort.Strings(c.Participants)
	}
	return d
}

// threads sets parent: the message each reply names, by its id (looked
// up on every core: at 10M these lookups were a third of the list's
// time) or, for the rest, by the source's own id (importers write
// "<source>:<original id>", or "<conversation>:<id>", when the target
// was not in the same import), of which only the ids some reply asks for
// are kept (replies).
func (d *Directory) threads(v *vault.Vault) {
	n := v.Len()
	d.parent = make([]uint32, n)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/10000))
	unresolved := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m vault.Meta
			for p := w * n / workers; p < (w+1)*n/workers; p++ {
				d.parent[p] = noParent
				if v.Meta(p, &m); m.ReplyTo == "" {
					continue
				}
				if pp, ok := d.position(m.ReplyTo); !ok {
					unresolved[w] = append(unresolved[w], p)
				} else if pp != p {
					d.parent[p] = uint32(pp)
				}
			}
		}()
	}
	wg.Wait()
	// The refs asked for, by their original id (the part after the
	// last colon that a source or conversation id precedes): matched
	// below without building "<source>:<id>" for every message.
	want := map[string][]string{}
	var m vault.Meta
	for _, ps := range unresolved {
		for _, p := range ps {
			v.Meta(p, &m)
			for i := range len(m.ReplyTo) {
				if m.ReplyTo[i] == ':' {
					oid := m.ReplyTo[i+1:]
					if !slices.Contains(want[oid], m.ReplyTo) {
						want[oid] = append(want[oid], m.ReplyTo)
					}
				}
			}
		}
	}
	if len(want) == 0 {
		return
	}
	d.replies = map[string]string{}
	refPos := map[string]int{} // where each ref's message is: no lookup by id below
	for p := range n {
		v.Meta(p, &m)
		refs := want[m.OriginalID]
		if m.OriginalID == "" || refs == nil {
			continue
		}
		for _, ref := range refs {
			prefix := ref[:len(ref)-len(m.OriginalID)-1]
			if prefix == m.Source || prefix == m.Conversation.ID {
				d.replies[ref] = v.ID(p)
				refPos[ref] = p
			}
		}
	}
	for _, ps := range unresolved {
		for _, p := range ps {
			v.Meta(p, &m)
			if pp, ok := refPos[m.ReplyTo]; ok && pp != p {
				d.parent[p] = uint32(pp)
			}
		}
	}
}

// Conversations records that the list of conversations (titles,
// participants, counts) is shown, then returns it. The caller must not
// modify it.
func (s *Session) Conversations() (*Directory, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	if err := s.record(audit.Event{Action: audit.ActionViewConversationList, Count: len(s.directory().Convs)}); err != nil {
		return nil, err
	}
	return s.directory(), nil
}

// View records that ids are on screen and returns them, in order. conv is
// the conversation id when they are a conversation's messages, "" for a
// list of search hits. The event names the conversation's title and each
// message's sender and time: what the screen shows of them.
func (s *Session) View(conv string, ids []string) ([]*vault.Message, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	// Look up first so that a view of unknown ids records nothing.
	msgs, err := s.lookup(ids)
	if err != nil {
		return nil, err
	}
	ev := audit.Event{Action: audit.ActionViewMessages, Messages: ids, Sent: sentOf(msgs)}
	if conv != "" {
		ev.Action, ev.Conversation, ev.Title = audit.ActionViewConversation, conv, s.directory().title(conv)
	}
	if err := s.record(ev); err != nil {
		return nil, err
	}
	return msgs, nil
}

// Detail records a detail view of one message (its sender, time and
// conversation with it) and returns it.
func (s *Session) Detail(id string) (*vault.Message, error) {
	done, err := s.reading()
	if err != nil {
		return nil, err
	}
	defer done()
	msgs, err := s.lookup([]string{id})
	if err != nil {
		return nil, err
	}
	m := msgs[0]
	ev := audit.Event{Action: audit.ActionViewMessage, Conversation: m.Conversation.ID, Title: s.directory().title(m.Conversation.ID),
		Messages: []string{id}, Sent: sentOf(msgs)}
	if err := s.record(ev); err != nil {
		return nil, err
	}
	return msgs[0], nil
}

// Stats records that the per-conversation counts (which show titles) are
// shown, then returns them.
func (s *Session) Stats(detail string) (vault.Stats, error) {
	done, err := s.reading()
	if err != nil {
		return vault.Stats{}, err
	}
	defer done()
	st := s.v.Stats()
	if err := s.record(audit.Event{Action: audit.ActionViewConversationList, Detail: detail, Count: len(st.Conversations)}); err != nil {
		return vault.Stats{}, err
	}
	return st, nil
}

// Export records that every message, attachments included, is released
// to target (a file name, "standard output", ...), then writes them to w
// as JSONL, the import format (vault/FORMAT.md), and records how many were
// written. w receives plaintext: the caller chose where it goes.
func (s *Session) Export(w io.Writer, target string) (int, error) {
	done, err := s.reading()
	if err != nil {
		return 0, err
	}
	defer done()
	if err := s.record(audit.Event{Action: audit.ActionExport, Target: target, Count: s.v.Len()}); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	for p := range s.v.Len() {
		m, err := s.v.MessageAt(p) // after LoadCatalog, its segment decrypted now
		if err != nil {
			return n, err
		}
		c := *m
		c.Attachments = slices.Clone(m.Attachments)
		for i := range c.Attachments {
			a := &c.Attachments[i]
			if a.Ref.Blob == "" {
				continue
			}
			if a.Content, err = s.v.Attachment(a); err != nil {
				return n, err
			}
		}
		if err := enc.Encode(&c); err != nil {
			return n, err
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	return n, nil
}
