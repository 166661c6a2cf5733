// Package ui is coffer's terminal interface. The root Model is a state
// machine over the pages:
//
//	locked ──enter──▶ unlocking ──key ok──▶ (loading) ──▶ browsing ⇄ searching
//	  ▲                   │ wrong key (audited)                │
//	  └───────────────────┘◀──── ctrl+l, idle (audited) ───────┘
//	auditing: the auditor's screen, opened on its own.
//	error: a failure that ends the session (tampering, no audit trail).
//
// Slow work (scrypt, decryption, indexing, searching, audit and tag
// writes) runs in tea.Cmds; Update only moves state. Pages live under
// ui/pages, components under ui/components, and everything shares
// ui/common (size, styles, keys).
package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"filippo.io/age"
	"github.com/charmbracelet/x/ansi"

	"coffer/index"
	"coffer/ui/common"
	"coffer/ui/pages/auditor"
	"coffer/ui/pages/browse"
	"coffer/ui/pages/unlock"
	"coffer/ui/sanitize"
	"coffer/ui/styles"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// State is the root state.
type State int

const (
	StateLocked State = iota
	StateUnlocking
	StateBrowsing
	StateSearching
	StateAuditing
	StateError
)

func (s State) String() string {
	return [...]string{"locked", "unlocking", "browsing", "searching", "auditing", "error"}[s]
}

// idleWarning is how long before the idle lock the status bar counts
// down.
const idleWarning = 30 * time.Second

// maxTypeahead bounds the keys kept while unlocking.
const maxTypeahead = 64

// DefaultIdleLock is the idle time after which the vault locks itself.
const DefaultIdleLock = 10 * time.Minute

// Options configure the reviewer's TUI.
type Options struct {
	Dir      string
	Manifest *vault.Manifest // read without a key, for the unlock screen
	// Key, when set, came from the command line; enter unlocks with it.
	Key     *vault.Key
	KeyHint string
	// DemoHint is a line for the unlock screen, under the passphrase box
	// (coffer review --demo-hint; make demo names its passphrase there).
	DemoHint string
	// IdleLock locks after this long without input; 0 never.
	IdleLock time.Duration
	NoColor  bool
	// Now is the clock for the idle lock (tests); nil means time.Now.
	Now func() time.Time
	// Location is the zone times are shown in; nil means local.
	Location *time.Location
	// Engine is the search engine (index.Engine).
	Engine access.Engine
}

// NoColor reports whether the environment asks for no colour
// (https://no-color.org: set and not empty).
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }

// Model is the root model.
type Model struct {
	opt   Options
	c     common.Common
	state State
	err   error

	gate   *access.Gate // open from the first unlock attempt to the unlock
	sess   *access.Session
	failed int
	// loading is the session being decrypted, until it is browsed; cancel
	// ends the goroutine decrypting it, so that none blocks on a send
	// after the program ends, and Close locks it.
	loading *access.Session
	cancel  context.CancelFunc

	unlock  *unlock.Model
	browse  *browse.Model
	auditor *auditor.Model

	lastInput time.Time
	// typeahead holds the keys pressed while unlocking, replayed once
	// the conversations are shown.
	typeahead []tea.KeyPressMsg
	quitting  bool
	// locking counts lock records still being written, so that Close
	// (after the program ends) waits for them.
	locking *sync.WaitGroup
}

// Messages of the root.
type (
	unlockedMsg struct {
		gate *access.Gate
		sess *access.Session
		err  error
	}
	loadMsg struct {
		prog vault.Progress
		sess *access.Session
		dir  *access.Directory
		err  error
		done bool
		ch   <-chan loadMsg
	}
	idleTickMsg struct{}
	lockedMsg   struct{ err error }
)

// New returns the reviewer's TUI for the vault in opt.Dir.
func New(opt Options) *Model {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.Engine == nil {
		// Calendar dates in queries are local days (README, Dates).
		opt.Engine = index.Engine{Location: time.Local}
	}
	c := common.New(opt.NoColor)
	c.Width, c.Height = 80, 24
	m := &Model{opt: opt, c: c, state: StateLocked, lastInput: opt.Now(), locking: &sync.WaitGroup{}}
	m.unlock = unlock.New(c, opt.Dir, opt.Manifest, opt.KeyHint)
	m.unlock.DemoHint = opt.DemoHint
	return m
}

// State returns the current state.
func (m *Model) State() State {
	if m.state == StateBrowsing && m.browse != nil && m.browse.Searching() {
		return StateSearching
	}
	return m.state
}

// Err is the error that ended the session, for main to print once the
// terminal is restored.
func (m *Model) Err() error { return m.err }

// Init asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.auditor != nil {
		cmds = append(cmds, m.auditor.Init())
	}
	return tea.Batch(cmds...)
}

func (m *Model) resize() {
	m.unlock.SetSize(m.c)
	if m.browse != nil {
		m.browse.SetSize(m.c)
	}
	if m.auditor != nil {
		m.auditor.SetSize(m.c)
	}
}

// Update moves the state machine.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = max(msg.Width, 20), max(msg.Height, 6)
		m.resize()
		return m, nil
	case tea.ModeReportMsg:
		// The renderer counts cells by grapheme once the terminal
		// confirms mode 2027; lay out the same way.
		if msg.Mode == ansi.ModeUnicodeCore && (msg.Value == ansi.ModeReset || msg.Value == ansi.ModeSet || msg.Value == ansi.ModePermanentlySet) {
			common.SetWidthMethod(ansi.GraphemeWidth)
			m.resize()
			if m.browse != nil {
				m.browse.Invalidate()
			}
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.c.Styles = styles.New(msg.IsDark(), m.opt.NoColor)
		m.resize()
		return m, nil
	case tea.KeyPressMsg, tea.MouseMsg, tea.PasteMsg:
		m.lastInput = m.opt.Now()
		if m.browse != nil {
			m.browse.SetLockCountdown(0)
		}
		if k, ok := msg.(tea.KeyPressMsg); ok {
			if k.String() == "ctrl+c" {
				return m, m.quit()
			}
			if m.state == StateError && key.Matches(k, m.c.Keys.Quit, m.c.Keys.Back) {
				return m, m.quit()
			}
			if m.state == StateBrowsing && key.Matches(k, m.c.Keys.Lock) {
				return m, m.lock(audit.LockManual, "locked (ctrl+l): unlock to continue")
			}
		}
	case unlock.SubmitMsg:
		m.state = StateUnlocking
		return m, m.unlockCmd(msg.Passphrase)
	case unlockedMsg:
		return m, m.unlocked(msg)
	case loadMsg:
		return m, m.loaded(msg)
	case idleTickMsg:
		if m.state != StateBrowsing || m.opt.IdleLock <= 0 {
			return m, nil
		}
		idle := m.opt.Now().Sub(m.lastInput)
		if idle >= m.opt.IdleLock {
			return m, m.lock(audit.LockIdle, fmt.Sprintf("locked after %s without input", m.opt.IdleLock))
		}
		// The last 30 s (half, for short locks) count down on screen.
		left := m.opt.IdleLock - idle
		if left <= min(idleWarning, m.opt.IdleLock/2) {
			m.browse.SetLockCountdown(left)
		}
		return m, m.idleTick()
	case lockedMsg:
		if msg.err != nil && !m.quitting {
			m.unlock.Err = "the lock was not recorded: " + msg.err.Error()
		}
		return m, nil
	case browse.QuitMsg, unlock.QuitMsg:
		return m, m.quit()
	}

	switch m.state {
	case StateUnlocking:
		// Keys typed while the vault decrypts (j j j right after enter)
		// are kept for the browse page, in order.
		if k, ok := msg.(tea.KeyPressMsg); ok && len(m.typeahead) < maxTypeahead {
			m.typeahead = append(m.typeahead, k)
		}
		return m, nil
	case StateLocked:
		return m, m.unlock.Update(msg)
	case StateBrowsing:
		return m, m.browse.Update(msg)
	case StateAuditing:
		cmd := m.auditor.Update(msg)
		if m.auditor.Quit {
			return m, tea.Quit
		}
		return m, cmd
	}
	return m, nil
}

// unlockCmd opens the audit session (once per unlock screen) and tries
// the key; both may be slow (fsync, scrypt).
func (m *Model) unlockCmd(passphrase string) tea.Cmd {
	dir, man, gate, engine := m.opt.Dir, m.opt.Manifest, m.gate, m.opt.Engine
	var k vault.Key
	if m.opt.Key != nil {
		k.Identities = m.opt.Key.Identities
		k.Passphrases = append(k.Passphrases, m.opt.Key.Passphrases...)
	}
	if passphrase != "" {
		k.Passphrases = append(k.Passphrases, passphrase)
	}
	return func() tea.Msg {
		if gate == nil {
			var err error
			if gate, err = access.Open(dir, man, engine); err != nil {
				return unlockedMsg{err: fmt.Errorf("cannot start the audit trail, so nothing is unlocked: %w", err)}
			}
		}
		s, err := gate.Unlock(k)
		return unlockedMsg{gate: gate, sess: s, err: err}
	}
}

func (m *Model) unlocked(msg unlockedMsg) tea.Cmd {
	if msg.gate != nil {
		m.gate = msg.gate
	}
	if msg.err != nil {
		m.typeahead = nil // typed for a session that did not open
		if errors.Is(msg.err, vault.ErrWrongKey) {
			m.failed++
			m.state = StateLocked
			m.unlock.Reset()
			m.unlock.Err = fmt.Sprintf("wrong passphrase or key (attempt %d, recorded); try again", m.failed)
			return nil
		}
		return m.fail(msg.err)
	}
	m.failed = 0
	m.gate = nil // the session took over its audit session
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	ch := make(chan loadMsg, 8)
	s := msg.sess
	m.loading = s
	go func() {
		defer close(ch)
		// From the index files' catalogs when every segment has one:
		// the list and search are ready once they are read, and a
		// conversation's segments are decrypted as it is opened.
		err := s.LoadCatalog(func(p vault.Progress) {
			select {
			case ch <- loadMsg{prog: p}:
			default:
			}
		})
		var dir *access.Directory
		if err == nil {
			// Every segment's hash, as Load would have checked them: a
			// changed file is refused at unlock, not when shown. It
			// runs beside the list's making (one core, 6 s at 10M),
			// and the list is shown only if it passes.
			checked := make(chan error, 1)
			go func() {
				checked <- s.CheckSegments(func(p vault.Progress) {
					select {
					case ch <- loadMsg{prog: p}:
					default:
					}
				})
			}()
			// The list shows titles and participants: recorded first.
			if dir, err = s.Conversations(); err != nil {
				err = errors.Join(err, s.Lock(audit.LockExit))
			}
			if cerr := <-checked; cerr != nil {
				dir, err = nil, errors.Join(cerr, err) // CheckSegments locked the session
			}
		}
		select {
		case ch <- loadMsg{sess: s, dir: dir, err: err, done: true}:
		case <-ctx.Done():
			s.Lock(audit.LockExit) // the program ended while loading
		}
	}()
	m.unlock.Progress(vault.Progress{})
	return listenLoad(ch)
}

func listenLoad(ch <-chan loadMsg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		msg.ch = ch
		return msg
	}
}

func (m *Model) loaded(msg loadMsg) tea.Cmd {
	if !msg.done {
		m.unlock.Progress(msg.prog)
		return listenLoad(msg.ch)
	}
	m.loading = nil
	if msg.err != nil {
		return m.fail(msg.err) // Load and Conversations locked the session
	}
	m.sess = msg.sess
	m.browse = browse.New(m.c, m.sess, msg.dir, m.opt.Location)
	m.browse.SetSize(m.c)
	m.state = StateBrowsing
	m.unlock.Note, m.unlock.Err = "", ""
	m.lastInput = m.opt.Now()
	cmds := []tea.Cmd{m.browse.Init(), m.idleTick()}
	for _, k := range m.typeahead {
		cmds = append(cmds, m.browse.Update(k))
	}
	m.typeahead = nil
	return tea.Batch(cmds...)
}

func (m *Model) idleTick() tea.Cmd {
	if m.opt.IdleLock <= 0 {
		return nil
	}
	d := min(m.opt.IdleLock/10, time.Second)
	return tea.Tick(max(d, 10*time.Millisecond), func(time.Time) tea.Msg { return idleTickMsg{} })
}

// lock drops every reference to plaintext and the index at once (the
// screen returns to the unlock page in this very Update) and records the
// lock in a command.
func (m *Model) lock(reason, note string) tea.Cmd {
	if m.sess == nil {
		return nil
	}
	s := m.sess
	m.browse.Close()
	m.sess, m.browse = nil, nil // s.Lock closes its audit session
	m.state = StateLocked
	m.unlock.Reset()
	m.unlock.Note = note
	m.locking.Add(1)
	return func() tea.Msg {
		defer m.locking.Done()
		return lockedMsg{err: s.Lock(reason)}
	}
}

// quit locks (recording the exit) and quits.
func (m *Model) quit() tea.Cmd {
	if m.quitting {
		return nil // the first quit is recording the exit
	}
	m.quitting = true
	if m.sess != nil {
		return tea.Sequence(m.lock(audit.LockExit, ""), tea.Quit)
	}
	if m.gate != nil {
		g := m.gate
		m.gate = nil
		m.locking.Add(1)
		return tea.Sequence(func() tea.Msg {
			defer m.locking.Done()
			return lockedMsg{err: g.Close(audit.LockExit)}
		}, tea.Quit)
	}
	return tea.Quit
}

func (m *Model) fail(err error) tea.Cmd {
	m.err = err
	m.state = StateError
	return nil
}

// View renders the current page.
func (m *Model) View() tea.View {
	var s string
	switch m.state {
	case StateLocked, StateUnlocking:
		s = m.unlock.View()
	case StateBrowsing:
		s = m.browse.View()
	case StateAuditing:
		s = m.auditor.View()
	case StateError:
		s = m.errorView()
	}
	v := tea.NewView(s)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "coffer"
	return v
}

func (m *Model) errorView() string {
	st := m.c.Styles
	lines := []string{"", "  " + st.Error.Render("coffer stopped"), ""}
	for _, l := range common.Wrap(sanitize.Line(m.err.Error()), m.c.Width-4) {
		lines = append(lines, "  "+l)
	}
	var te *vault.TamperError
	if errors.As(m.err, &te) {
		lines = append(lines, "", "  "+st.Dim.Render("the vault folder was changed outside coffer; run 'coffer verify DIR'"))
	}
	lines = append(lines, "", "  "+st.Dim.Render("q quit"))
	return common.Box(lines, m.c.Width, m.c.Height)
}

// AuditorOptions configure the auditor's screen.
type AuditorOptions struct {
	Dir        string
	Identities []age.Identity // the auditor's: they open the trail, not the vault
	NoColor    bool
	Location   *time.Location
}

// NewAuditor returns the root model in the auditing state.
func NewAuditor(opt AuditorOptions) *Model {
	m := New(Options{Dir: opt.Dir, NoColor: opt.NoColor, Location: opt.Location})
	m.state = StateAuditing
	m.auditor = auditor.New(m.c, opt.Dir, opt.Identities, m.opt.Location)
	m.auditor.SetSize(m.c)
	return m
}

// Unlocked reports whether the model holds an unlocked session (and so
// plaintext); false after a lock.
func (m *Model) Unlocked() bool { return m.sess != nil || m.browse != nil }

// Close locks whatever is still open, recording the exit: for the paths
// that end the program without passing through Update (SIGTERM,
// SIGINT, a panic caught by Bubble Tea). It is a no-op after a normal
// quit.
func (m *Model) Close() error {
	m.locking.Wait() // a lock or exit record still being written
	if m.cancel != nil {
		m.cancel()
	}
	var err error
	if m.loading != nil {
		// Quit while decrypting: wipe what was decrypted and record the
		// end (Lock waits for Load).
		err = m.loading.Lock(audit.LockExit)
		m.loading = nil
	}
	if m.sess != nil {
		m.browse.Close()
		err = m.sess.Lock(audit.LockExit)
		m.sess, m.browse = nil, nil
	}
	if m.gate != nil {
		err = errors.Join(err, m.gate.Close(audit.LockExit))
		m.gate = nil
	}
	return err
}
