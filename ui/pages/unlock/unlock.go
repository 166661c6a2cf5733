// Package unlock is the first screen: the vault's name and members (from
// the manifest, which needs no key), a masked passphrase input, the
// reason of the last failure, and the progress of decryption.
package unlock

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault"
)

// SubmitMsg asks the root to unlock with the typed passphrase (empty when
// the key came from the command line).
type SubmitMsg struct{ Passphrase string }

// QuitMsg asks the root to quit (q or esc when there is nothing to type).
type QuitMsg struct{}

// Phase is what the screen shows below the vault description.
type Phase int

const (
	PhaseInput     Phase = iota // waiting for the passphrase
	PhaseUnlocking              // checking the key (scrypt)
	PhaseLoading                // decrypting segments
)

// Model is the unlock page.
type Model struct {
	c        common.Common
	manifest *vault.Manifest
	dir      string
	// KeyHint is set when the key came from the command line
	// (--identity, --passphrase-file): enter unlocks with it.
	KeyHint string
	input   textinput.Model
	Phase   Phase
	Err     string
	Note    string // why we are here (locked after idle, ...)
	// DemoHint is a line the caller chose to show under the passphrase
	// box: make demo names the demo's passphrase and auditor key there,
	// where they stay readable once the TUI hides the shell. It is text
	// from the command line, never read from the vault.
	DemoHint string
	prog     vault.Progress
	start    time.Time
}

// New returns the page for the vault at dir.
func New(c common.Common, dir string, m *vault.Manifest, keyHint string) *Model {
	ti := textinput.New()
	ti.Prompt = "Passphrase: "
	ti.EchoMode = textinput.EchoPassword
	ti.EchoCharacter = '•'
	ti.CharLimit = 1024
	ti.SetStyles(common.InputStyles(c))
	ti.SetWidth(40)
	ti.Focus()
	return &Model{c: c, dir: dir, manifest: m, KeyHint: keyHint, input: ti}
}

// SetSize records the window size.
func (m *Model) SetSize(c common.Common) {
	m.c = c
	m.input.SetStyles(common.InputStyles(c))
}

// Reset clears the input and returns to PhaseInput.
func (m *Model) Reset() {
	m.input.Reset()
	m.Phase = PhaseInput
	m.prog = vault.Progress{}
}

// Progress shows the progress of opening the vault: decrypting its
// segments, or reading its index files' catalogs and checking every
// segment's hash.
func (m *Model) Progress(p vault.Progress) {
	if m.Phase != PhaseLoading {
		m.start = time.Now()
	}
	m.Phase = PhaseLoading
	m.prog = p
}

// Update handles typing; enter submits.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if m.Phase != PhaseInput {
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && m.KeyHint != "" && (k.String() == "q" || k.String() == "esc") {
		return func() tea.Msg { return QuitMsg{} }
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "enter" {
		p := m.input.Value()
		if p == "" && m.KeyHint == "" {
			m.Err = "type the passphrase (or start coffer with --identity FILE)"
			return nil
		}
		m.input.Reset() // the root holds it only until Unlock returns
		m.Phase = PhaseUnlocking
		m.Err = ""
		return func() tea.Msg { return SubmitMsg{Passphrase: p} }
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// maxHintLines bounds the demo hint, so that it cannot push the rest of
// the screen away.
const maxHintLines = 3

// demoHint is the demo hint wrapped to w cells, under a blank line; none
// when there is no hint.
func (m *Model) demoHint(w int) []string {
	if m.DemoHint == "" {
		return nil
	}
	lines := common.Wrap(sanitize.Line(m.DemoHint), w)
	if len(lines) > maxHintLines {
		lines = lines[:maxHintLines]
		lines[maxHintLines-1] = common.Trunc(lines[maxHintLines-1]+" …", w)
	}
	out := []string{""}
	for _, l := range lines {
		out = append(out, m.c.Styles.Warning.Render(l))
	}
	return out
}

// View renders the whole screen.
func (m *Model) View() string {
	st := m.c.Styles
	w := m.c.Width
	iw := min(w-4, 72)
	var l []string
	name := m.dir
	if m.manifest != nil {
		name = m.manifest.Name
	}
	l = append(l, st.Title.Render("coffer")+"  "+st.Dim.Render("locked vault"), "")
	l = append(l, "Vault    "+sanitize.Line(name))
	l = append(l, st.Dim.Render(common.Trunc("Folder   "+sanitize.Line(m.dir), iw)))
	if m.manifest != nil {
		var ms []string
		for _, mem := range m.manifest.ActiveMembers() {
			ms = append(ms, sanitize.Line(mem.Name)+" ("+sanitize.Line(mem.Kind)+")")
		}
		l = append(l, common.Trunc("Members  "+strings.Join(ms, ", "), iw))
		l = append(l, fmt.Sprintf("Auditors %d · every view is recorded in the audit trail", len(m.manifest.Auditors)))
	}
	l = append(l, "")
	if m.Note != "" {
		l = append(l, st.Warning.Render(common.Trunc(sanitize.Line(m.Note), iw)), "")
	}
	switch m.Phase {
	case PhaseInput:
		if m.KeyHint != "" {
			l = append(l, common.Trunc("Key      "+sanitize.Line(m.KeyHint), iw))
		} else {
			m.input.SetWidth(max(iw-14, 8))
			l = append(l, m.input.View())
		}
		l = append(l, m.demoHint(iw)...)
		if m.KeyHint != "" {
			l = append(l, "", st.Prompt.Render("enter")+" unlock · "+st.Prompt.Render("q")+" quit")
		} else {
			l = append(l, "", st.Dim.Render("enter unlock · ctrl+c quit"))
		}
	case PhaseUnlocking:
		l = append(l, st.Dim.Render("checking the key…"))
	case PhaseLoading:
		p := m.prog
		frac := 0.0
		if p.TotalBytes > 0 {
			frac = float64(p.Bytes) / float64(p.TotalBytes)
		}
		bw := max(iw-10, 10)
		fill := int(frac * float64(bw))
		bar := strings.Repeat("█", fill) + strings.Repeat("░", bw-fill)
		what, files := "Decrypting", "segments"
		switch p.Stage {
		case vault.StageCatalogs:
			what, files = "Reading the search indexes", "index files"
		case vault.StageCheck:
			what = "Checking every segment's hash"
		}
		l = append(l, what, bar+fmt.Sprintf(" %3.0f%%", frac*100))
		el := time.Since(m.start)
		rate := float64(p.Messages) / max(el.Seconds(), 0.001)
		eta := ""
		if frac > 0 && frac < 1 {
			eta = fmt.Sprintf(" · ETA %s", time.Duration(float64(el)*(1-frac)/frac).Round(time.Second))
		}
		l = append(l, st.Dim.Render(fmt.Sprintf("%d/%d %s · %d messages · %.0f msg/s%s", p.Segments, p.TotalSegments, files, p.Messages, rate, eta)))
	}
	if m.Err != "" {
		l = append(l, "", st.Error.Render(common.Trunc(sanitize.Line(m.Err), iw)))
	}
	top := max((m.c.Height-len(l))/3, 0)
	left := strings.Repeat(" ", max((w-iw)/2, 0))
	var out []string
	for range top {
		out = append(out, "")
	}
	for _, s := range l {
		out = append(out, left+s)
	}
	return common.Box(out, w, m.c.Height)
}
