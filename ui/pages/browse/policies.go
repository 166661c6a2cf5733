package browse

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/access"
)

// The policies pane (L) lists every rule of the vault's supervision
// policies (coffer policy), a row per rule under its policy's name and
// version; enter runs the rule's query as the search it is, recorded as
// every search is. Like saved searches, the rules are the firm's own
// words, read from the vault when the pane opens; they are changed with
// coffer policy, whose every change is recorded with its diff.

// policyRule is one row of the pane.
type policyRule struct {
	policy  string
	version int
	rule    vault.Rule
}

// policiesMsg: the vault's policies, read.
type policiesMsg struct {
	list []vault.Policy
	err  error
}

func policiesCmd(s *access.Session) tea.Cmd {
	return func() tea.Msg {
		list, err := s.Policies()
		return policiesMsg{list: list, err: err}
	}
}

// togglePolicies shows the policies' rules in the left pane, or the
// conversations again.
func (m *Model) togglePolicies() tea.Cmd { return m.toggleLeft(leftPolicies, policiesCmd) }

func (m *Model) updatePolicies(msg policiesMsg) {
	if msg.err != nil {
		m.setStatus("policies not read: "+msg.err.Error(), true)
		return
	}
	m.rules = m.rules[:0]
	for _, p := range msg.list {
		for _, r := range p.Rules {
			m.rules = append(m.rules, policyRule{policy: p.Name, version: p.Version, rule: r})
		}
	}
	m.ruleList.SetLen(len(m.rules))
}

// runRule runs rule i of the pane as a search.
func (m *Model) runRule(i int) tea.Cmd {
	r := m.rules[i]
	m.ruleRun = fmt.Sprintf("%s v%d · %s", r.policy, r.version, r.rule.Name)
	return m.runSearch(r.rule.Query)
}

func (m *Model) renderRule(i, w int, sel bool) []string {
	r := m.rules[i]
	st := m.c.Styles
	head := common.Trunc(sanitize.Line(r.policy)+" v"+strconv.Itoa(r.version)+" · "+sanitize.Line(r.rule.Name), w)
	query := common.Trunc("  "+sanitize.Line(r.rule.Query), w)
	if !sel || !m.ruleList.Focused {
		head, query = st.Sender.Render(head), st.Dim.Render(query)
	}
	return []string{head, query}
}

// policyTitle is the pane's title: how many rules of how many policies.
func (m *Model) policyTitle() string {
	seen := map[string]bool{}
	for _, r := range m.rules {
		seen[r.policy] = true
	}
	return fmt.Sprintf("Policies (%d) · %s", len(seen), plural(len(m.rules), "rule"))
}

// policyHints are the status-bar keys of the policies pane.
func (m *Model) policyHints() []key.Binding {
	k := m.c.Keys
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search the rule")),
		k.PoliciesPane, k.SavedPane, k.Search, k.Quit,
	}
}
