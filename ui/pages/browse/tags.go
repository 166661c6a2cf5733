package browse

import (
	"slices"
	"sort"
	"strings"

	"coffer/vault"
	"coffer/vault/access"
)

// The tags the page counts and offers: their counts for the tags pane,
// the names the tag dialog completes, and the tag facet of the results.

func (m *Model) recount() {
	counts := map[string]int{}
	for _, ts := range m.tags {
		for _, t := range ts {
			counts[t]++
		}
	}
	m.tagCounts = m.tagCounts[:0]
	for t, n := range counts {
		m.tagCounts = append(m.tagCounts, vault.Count{Name: t, Count: n})
	}
	sort.Slice(m.tagCounts, func(i, j int) bool { return m.tagCounts[i].Name < m.tagCounts[j].Name })
	m.tagList.SetLen(len(m.tagCounts))
}

func (m *Model) tagNames() []string {
	out := make([]string, len(m.tagCounts))
	for i, c := range m.tagCounts {
		out[i] = c.Name
	}
	return out
}

// countTagFacet brings the tag facet of the current results up to date
// with a tag change, before m.tags takes it. Where every changed message
// is known to be a hit (on the page, or tagged by tag-all) it counts
// locally; else it reports that the facets must be counted again.
func (m *Model) countTagFacet(msg taggedMsg) (requery bool) {
	if m.res == nil || m.res.Facets == nil {
		return false
	}
	hit := map[string]bool{}
	for _, h := range m.res.Hits {
		hit[h.ID] = true
	}
	delta := 0
	for id, ts := range msg.tags {
		had := slices.ContainsFunc(m.tags[id], func(t string) bool { return strings.EqualFold(t, msg.tag) })
		has := slices.ContainsFunc(ts, func(t string) bool { return strings.EqualFold(t, msg.tag) })
		if had == has {
			continue
		}
		if !hit[id] && !msg.allHits {
			return true
		}
		if has {
			delta++
		} else {
			delta--
		}
	}
	if delta == 0 {
		return false
	}
	f := m.res.Facets
	i := slices.IndexFunc(f.Tag, func(c access.FacetCount) bool { return strings.EqualFold(c.Value, msg.tag) })
	if i < 0 {
		f.Tag = append(f.Tag, access.FacetCount{Value: msg.tag})
		i = len(f.Tag) - 1
	}
	f.Tag[i].Count += delta
	if f.Tag[i].Count <= 0 {
		f.Tag = slices.Delete(f.Tag, i, i+1)
	}
	slices.SortStableFunc(f.Tag, func(a, b access.FacetCount) int { return b.Count - a.Count })
	return false
}
