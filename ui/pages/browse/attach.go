package browse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"coffer/ui/attachment"
	"coffer/ui/common"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/access"
)

// The attachments of the message in detail: a list (overlayAttach, opened
// with a) and a pager (overlayPager) over it. An attachment leaves the
// vault only through the session's recorded calls: shown (Attachment),
// saved to the path typed in the prompt (SaveAttachment, which refuses an
// existing file until the overwrite is confirmed), or piped to the
// command typed (PipeAttachment), whose output the pager shows. What is
// drawn of them passes through sanitize.

// maxPipeOutput bounds what the pager keeps of a command's output.
const maxPipeOutput = 4 << 20

type prompt int

const (
	promptNone prompt = iota
	promptSave
	promptPipe
	promptOverwrite
)

// attachState is the attachment list's cursor, the pager's content and
// the prompt at their foot.
type attachState struct {
	sel int // the attachment under the cursor, an index into detail.Attachments

	// The pager: the attachment (index) it shows, or the output of a
	// command it was piped to. head are its lines above the text
	// (metadata, notes), sanitized; text is its text's lines, sanitized,
	// and top the first shown. Lines are wrapped as they are drawn: a
	// pager of a few megabytes opens at once (wrapping all of 4 MB took
	// seconds), and scrolls a line of the text at a time.
	shown   int
	title   string
	head    []string
	text    []string
	top     int
	waiting string // what the pager waits for ("recording view", "running CMD"), "" when nothing
	cancel  context.CancelFunc

	prompt prompt
	input  textinput.Model
	path   string // the file an overwrite prompt asks about
}

type (
	// attachViewedMsg: attachment n of message id was recorded as shown.
	attachViewedMsg struct {
		id  string
		n   int
		a   vault.Attachment
		err error
	}
	// attachSavedMsg: a save was recorded and done, or refused.
	attachSavedMsg struct {
		path string
		size int64
		sum  string
		err  error
	}
	// attachPipedMsg: a command ran with the attachment on its input.
	attachPipedMsg struct {
		cmdline string
		out     []byte
		cut     bool
		err     error
	}
)

// which names attachment n as the session finds it: by number, so that
// two attachments with one name are told apart.
func which(n int) string { return fmt.Sprintf("#%d", n+1) }

func attachViewCmd(s *access.Session, id string, n int) tea.Cmd {
	return func() tea.Msg {
		a, err := s.Attachment(id, which(n))
		return attachViewedMsg{id: id, n: n, a: a, err: err}
	}
}

func attachSaveCmd(s *access.Session, id string, n int, path string, overwrite bool) tea.Cmd {
	return func() tea.Msg {
		size, sum, err := s.SaveAttachment(id, which(n), path, overwrite)
		return attachSavedMsg{path: path, size: size, sum: sum, err: err}
	}
}

func attachPipeCmd(ctx context.Context, s *access.Session, id string, n int, cmdline string) tea.Cmd {
	return func() tea.Msg {
		var out capped
		err := s.PipeAttachment(ctx, id, which(n), cmdline, &out, &out)
		return attachPipedMsg{cmdline: cmdline, out: out.b, cut: out.cut, err: err}
	}
}

// capped keeps the first maxPipeOutput bytes written to it and drops the
// rest, without failing the writer (the command runs to its end).
type capped struct {
	b   []byte
	cut bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := maxPipeOutput - len(c.b)
	if len(p) > room {
		c.cut = true
		c.b = append(c.b, p[:max(room, 0)]...)
	} else {
		c.b = append(c.b, p...)
	}
	return len(p), nil
}

// openAttachments shows the attachment list of the message in detail.
func (m *Model) openAttachments() tea.Cmd {
	if m.detail == nil {
		return nil
	}
	if len(m.detail.Attachments) == 0 {
		m.setStatus("this message has no attachments", true)
		return nil
	}
	m.att.sel = min(m.att.sel, len(m.detail.Attachments)-1)
	m.overlay = overlayAttach
	return nil
}

// closeAttachments forgets the attachments' state and what the pager
// held (plaintext), stopping a command still running.
func (m *Model) closeAttachments() {
	if m.att.cancel != nil {
		m.att.cancel()
	}
	m.att = attachState{}
}

// viewAttachment asks the session for attachment n (recorded first);
// one the export left out says so without asking.
func (m *Model) viewAttachment(n int) tea.Cmd {
	a := m.detail.Attachments[n]
	if a.Missing {
		m.setStatus("not in the export: only its name came with the message", true)
		return nil
	}
	m.clearPager()
	m.att.shown, m.att.title, m.att.waiting = n, sanitize.Line(a.Name), "⋯ recording view"
	m.overlay = overlayPager
	return attachViewCmd(m.sess, m.detail.ID, n)
}

func (m *Model) clearPager() {
	if m.att.cancel != nil {
		m.att.cancel()
		m.att.cancel = nil
	}
	m.att.title, m.att.text, m.att.head, m.att.top, m.att.waiting = "", nil, nil, 0, ""
}

// current is the attachment s and | act on: the one in the pager, else
// the one under the cursor.
func (m *Model) current() int {
	if m.overlay == overlayPager {
		return m.att.shown
	}
	return m.att.sel
}

// startPrompt opens the save or pipe prompt for the current attachment.
func (m *Model) startPrompt(p prompt) tea.Cmd {
	n := m.current()
	a := m.detail.Attachments[n]
	if a.Missing {
		m.setStatus("not in the export: there is nothing to save or pipe", true)
		return nil
	}
	in := newInput(m.c, "save to: ")
	if p == promptPipe {
		in.Prompt = "pipe to: "
	} else {
		// The name's last element, sanitized: a hostile name can't
		// suggest a path elsewhere.
		base := filepath.Base(strings.ReplaceAll(sanitize.Line(a.Name), "\\", "/"))
		if base == "." || base == "/" || base == ".." {
			base = "attachment"
		}
		in.SetValue(base)
		in.CursorEnd()
	}
	in.SetWidth(max(min(m.c.Width-2, 100)-4-common.Width(in.Prompt)-1, 10))
	m.att.input, m.att.prompt = in, p
	return m.att.input.Focus()
}

// expandHome reads a leading ~/ as the home folder, as shells do.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// promptKey handles a key while the prompt is open.
func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if m.att.prompt == promptOverwrite {
		switch {
		case key.Matches(msg, k.Confirm):
			m.att.prompt = promptNone
			return attachSaveCmd(m.sess, m.detail.ID, m.current(), m.att.path, true)
		case key.Matches(msg, k.Cancel):
			m.att.prompt = promptNone
			m.setStatus("nothing saved", false)
		}
		return nil
	}
	switch msg.String() {
	case "esc":
		m.att.prompt = promptNone
		return nil
	case "enter":
		v := strings.TrimSpace(m.att.input.Value())
		if v == "" {
			return nil
		}
		p := m.att.prompt
		m.att.prompt = promptNone
		n := m.current()
		if p == promptSave {
			m.att.path = expandHome(v)
			return attachSaveCmd(m.sess, m.detail.ID, n, m.att.path, false)
		}
		m.clearPager()
		ctx, cancel := context.WithCancel(context.Background())
		a := m.detail.Attachments[n]
		m.att.shown, m.att.cancel = n, cancel
		m.att.title = "| " + sanitize.Line(v) + " < " + sanitize.Line(a.Name)
		m.att.waiting = "⋯ running " + sanitize.Line(v)
		m.overlay = overlayPager
		return attachPipeCmd(ctx, m.sess, m.detail.ID, n, v)
	}
	var cmd tea.Cmd
	m.att.input, cmd = m.att.input.Update(msg)
	common.CleanInput(&m.att.input)
	return cmd
}

// attachKey handles a key in the attachment list or the pager.
func (m *Model) attachKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.att.prompt != promptNone {
		return m.promptKey(msg)
	}
	k := m.c.Keys
	pager := m.overlay == overlayPager
	page := max(m.c.Height-6, 1)
	switch {
	case key.Matches(msg, k.Back, k.Quit):
		if pager {
			m.clearPager() // the plaintext goes with the pager
			m.overlay = overlayAttach
		} else {
			m.overlay = overlayDetail
		}
	case key.Matches(msg, k.Help):
		m.helpReturn, m.overlay = m.overlay, overlayHelp
	case key.Matches(msg, k.AttachSave):
		return m.startPrompt(promptSave)
	case key.Matches(msg, k.AttachPipe):
		return m.startPrompt(promptPipe)
	case !pager && key.Matches(msg, k.AttachOpen):
		return m.viewAttachment(m.att.sel)
	case !pager && key.Matches(msg, k.Up):
		m.att.sel = max(m.att.sel-1, 0)
	case !pager && key.Matches(msg, k.Down):
		m.att.sel = min(m.att.sel+1, len(m.detail.Attachments)-1)
	case !pager && key.Matches(msg, k.Top):
		m.att.sel = 0
	case !pager && key.Matches(msg, k.Bottom):
		m.att.sel = len(m.detail.Attachments) - 1
	case key.Matches(msg, k.Up):
		m.att.top--
	case key.Matches(msg, k.Down):
		m.att.top++
	case key.Matches(msg, k.HalfDown):
		m.att.top += page / 2
	case key.Matches(msg, k.HalfUp):
		m.att.top -= page / 2
	case key.Matches(msg, k.PageDown) || msg.String() == "space":
		m.att.top += page
	case key.Matches(msg, k.PageUp):
		m.att.top -= page
	case key.Matches(msg, k.Top):
		m.att.top = 0
	case key.Matches(msg, k.Bottom):
		m.att.top = 1 << 30
	}
	m.att.top = max(m.att.top, 0) // the view clamps the far end
	return nil
}

// attachUpdate handles the session's replies about attachments.
func (m *Model) attachUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case attachViewedMsg:
		if m.overlay != overlayPager || m.detail == nil || msg.id != m.detail.ID || msg.n != m.att.shown {
			clear(msg.a.Content)
			return nil // the pager was left meanwhile
		}
		m.att.waiting = ""
		if msg.err != nil {
			m.att.head = []string{m.c.Styles.Error.Render("not shown: " + sanitize.Line(msg.err.Error()))}
			return nil
		}
		a := msg.a
		for _, kv := range attachment.Meta(a.Name, a.Type, a.Content) {
			m.att.head = append(m.att.head, m.c.Styles.Dim.Render(fmt.Sprintf("%-9s", kv[0]))+sanitize.Line(kv[1]))
		}
		kind := attachment.KindOf(a.Name, a.Type, a.Content)
		if kind == attachment.Binary {
			m.att.head = append(m.att.head, "", m.c.Styles.Dim.Render("not text: s saves it to a file, | pipes it to a command"))
		} else {
			text, note := attachment.Render(kind, a.Content)
			if note != "" {
				m.att.head = append(m.att.head, m.c.Styles.Dim.Render(sanitize.Line(note)))
			}
			m.att.head = append(m.att.head, "")
			m.att.text = pagerLines(text)
		}
		clear(a.Content)
		m.setStatus("viewing "+sanitize.Line(a.Name)+" (recorded)", false)
	case attachSavedMsg:
		switch {
		case errors.Is(msg.err, access.ErrExists):
			m.att.prompt = promptOverwrite
		case msg.err != nil:
			m.setStatus("not saved: "+msg.err.Error(), true)
		default:
			m.setStatus(fmt.Sprintf("saved %s to %s (recorded, sha256 %s)", attachment.Size(msg.size), msg.path, msg.sum[:min(12, len(msg.sum))]), false)
		}
	case attachPipedMsg:
		if m.overlay != overlayPager || m.att.waiting == "" {
			return nil
		}
		m.att.waiting, m.att.cancel = "", nil
		if msg.err != nil {
			m.att.head = append(m.att.head, m.c.Styles.Error.Render(sanitize.Line(msg.err.Error())))
		}
		if msg.cut {
			m.att.head = append(m.att.head, m.c.Styles.Dim.Render(fmt.Sprintf("the first %s of the output shown", attachment.Size(maxPipeOutput))))
		}
		if len(msg.out) == 0 && msg.err == nil {
			m.att.head = append(m.att.head, m.c.Styles.Dim.Render("(no output)"))
		}
		m.att.text = pagerLines(string(msg.out))
		m.setStatus("piped to "+sanitize.Line(msg.cmdline)+" (recorded)", msg.err != nil)
	}
	return nil
}

// maxPagerLine is the longest line the pager wraps at once; longer ones
// (a minified file) are cut into lines of this size, so that drawing a
// screen never wraps megabytes.
const maxPagerLine = 1024

// pagerLines sanitizes text and splits it into the pager's lines.
func pagerLines(text string) []string {
	text = strings.TrimRight(sanitize.Text(text), "\n")
	if text == "" {
		return nil
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for len(l) > maxPagerLine {
			cut := maxPagerLine
			for cut > 0 && !utf8.RuneStart(l[cut]) {
				cut--
			}
			out = append(out, l[:cut])
			l = l[cut:]
		}
		out = append(out, l)
	}
	return out
}

// attachLines draws the attachment list or the pager inside the overlay's
// frame, inner cells wide and h lines high.
func (m *Model) attachLines(inner, h int) []string {
	st := m.c.Styles
	if m.detail == nil {
		return nil
	}
	var out []string
	if m.overlay == overlayPager {
		out = append(out, st.Title.Render(common.Trunc(m.att.title, inner)), "")
		if m.att.waiting != "" {
			out = append(out, st.Placeholder.Render(m.att.waiting))
		}
		for _, l := range m.att.head {
			out = append(out, common.Trunc(l, inner))
		}
		body := max(h-len(out)-1, 1) // a line for the position
		text := m.att.text
		wrap := func(i int) []string { return common.Wrap(text[i], inner) }
		// The last top that still fills the pager, counted from the end.
		last, filled := len(text), 0
		for last > 0 {
			n := len(wrap(last - 1))
			if filled > 0 && filled+n > body {
				break
			}
			filled += n
			last--
		}
		m.att.top = min(m.att.top, last)
		var rows []string
		end := m.att.top
		for ; end < len(text) && len(rows) < body; end++ {
			rows = append(rows, wrap(end)...)
		}
		out = append(out, rows[:min(len(rows), body)]...)
		if m.att.top > 0 || end < len(text) {
			out = append(out, st.Dim.Render(fmt.Sprintf("lines %d–%d of %d", m.att.top+1, end, len(text))))
		}
	} else {
		title := "Attachments of " + sanitize.Line(orDash(m.detail.Sender)) + "'s message"
		if m.detail.Subject != "" {
			title += " · " + sanitize.Line(m.detail.Subject)
		}
		out = append(out, st.Title.Render(common.Trunc(title, inner)), "")
		for i, a := range m.detail.Attachments {
			line := fmt.Sprintf("%d. %s", i+1, attachmentLine(a))
			if a.SHA256 != "" && !a.Missing {
				line += " sha256:" + a.SHA256[:min(12, len(a.SHA256))]
			}
			if i == m.att.sel {
				out = append(out, st.Selected.Render(common.Pad(common.Trunc("› "+line, inner), inner)))
			} else {
				out = append(out, st.Attachment.Render(common.Trunc("  "+line, inner)))
			}
		}
		out = append(out, "")
		for _, l := range common.Wrap("Each view, save and pipe is recorded in the audit trail first. A saved file is plaintext where you put it; a command you pipe to gets plaintext.", inner) {
			out = append(out, st.Dim.Render(l))
		}
	}
	return m.promptFoot(out, inner, h)
}

// promptFoot puts the prompt, when open, on the last line of the box.
func (m *Model) promptFoot(out []string, inner, h int) []string {
	var foot string
	switch m.att.prompt {
	case promptNone:
		return out
	case promptOverwrite:
		k := m.c.Keys
		foot = m.c.Styles.Warning.Render(common.Trunc(sanitize.Line(m.att.path)+" exists: replace it?", max(inner-24, 8))) +
			" " + m.c.Styles.StatusKey.Render(k.Confirm.Help().Key) + " replace · " + m.c.Styles.StatusKey.Render(k.Cancel.Help().Key) + " keep"
	default:
		foot = m.att.input.View()
	}
	for len(out) < h-1 {
		out = append(out, "")
	}
	return append(out[:h-1], common.Trunc(foot, inner))
}

// attachHints are the status bar's keys for the list and the pager.
func (m *Model) attachHints() []key.Binding {
	k := m.c.Keys
	switch {
	case m.att.prompt == promptOverwrite:
		return []key.Binding{k.Confirm, k.Cancel}
	case m.att.prompt != promptNone:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		}
	case m.overlay == overlayPager:
		return []key.Binding{k.Down, k.Up, k.AttachSave, k.AttachPipe, k.Back}
	}
	return []key.Binding{k.AttachOpen, k.AttachSave, k.AttachPipe, k.Back, k.Help}
}
