package vault

import "sort"

// Stats counts messages by source and by conversation.
type Stats struct {
	Messages      int
	Sources       []Count
	Conversations []ConversationCount
}

// Count is a name and how many messages carry it.
type Count struct {
	Name  string
	Count int
}

// ConversationCount summarises one conversation.
type ConversationCount struct {
	ID, Title, Source string
	Count             int
}

// Stats counts the messages, loaded or catalogued (LoadCatalog): it
// reads no message text.
func (v *Vault) Stats() Stats {
	bySource := map[string]int{}
	byConv := map[string]*ConversationCount{}
	var m Meta
	for o := range v.Len() {
		v.Meta(o, &m)
		bySource[m.Source]++
		c := byConv[m.Conversation.ID]
		if c == nil {
			c = &ConversationCount{ID: m.Conversation.ID, Title: m.Conversation.Title, Source: m.Source}
			byConv[m.Conversation.ID] = c
		}
		c.Count++
	}
	st := Stats{Messages: v.Len()}
	for s, n := range bySource {
		st.Sources = append(st.Sources, Count{s, n})
	}
	sort.Slice(st.Sources, func(i, j int) bool { return st.Sources[i].Name < st.Sources[j].Name })
	for _, c := range byConv {
		st.Conversations = append(st.Conversations, *c)
	}
	sort.Slice(st.Conversations, func(i, j int) bool {
		a, b := st.Conversations[i], st.Conversations[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.ID < b.ID
	})
	return st
}
