package browse

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
)

// Messages of this page. Every one that carries content comes from the
// session, which recorded the view before returning it.
type (
	// viewedMsg: ids were recorded as on screen (or the record failed).
	viewedMsg struct {
		ctx  int
		ids  []string
		msgs []*vault.Message
		err  error
	}
	detailMsg struct {
		id  string
		msg *vault.Message
		err error
	}
	searchMsg struct {
		seq int
		res *access.Results
		err error
		// saved names the saved search that was run, if one was.
		saved string
	}
	// facetsMsg: the facets of the current search, counted again after a
	// tag change.
	facetsMsg struct {
		seq    int
		facets *access.Facets
	}
	allHitsMsg struct {
		tag string
		ids []string
		err error
	}
	taggedMsg struct {
		add     bool
		tag     string
		tags    map[string][]string
		err     error
		allHits bool
	}
	// ixMsg reports the index: open (search works), progress, done.
	ixMsg struct {
		open bool
		prog access.IndexProgress
		done bool
		err  error
		ch   <-chan ixMsg
	}
	// copiedMsg: an id or a citation was recorded and is on its way to
	// the clipboard.
	copiedMsg struct {
		what, text string
		err        error
	}
	// QuitMsg asks the root to lock and quit.
	QuitMsg struct{}
)

func listenIndex(ch <-chan ixMsg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		m.ch = ch
		return m
	}
}

// startIndex opens the index in the background, reporting progress. The
// session owns the index and closes it when it locks; ctx (cancelled when
// the page closes) ends the goroutine, so no send outlives the page.
func startIndex(ctx context.Context, s *access.Session) tea.Cmd {
	ch := make(chan ixMsg, 4)
	send := func(m ixMsg) {
		select {
		case ch <- m:
		case <-ctx.Done():
		}
	}
	go func() {
		defer close(ch)
		err := s.OpenIndex(func(p access.IndexProgress) {
			select {
			case ch <- ixMsg{prog: p}:
			default: // the UI is busy; the next report will do
			}
		})
		if err != nil {
			send(ixMsg{err: err, done: true})
			return
		}
		send(ixMsg{open: true, prog: s.IndexProgress()})
		err = s.WaitIndex(ctx)
		if ctx.Err() == nil {
			send(ixMsg{open: true, prog: s.IndexProgress(), done: true, err: err})
		}
	}()
	return listenIndex(ch)
}

func viewCmd(s *access.Session, ctx int, conv string, ids []string) tea.Cmd {
	return func() tea.Msg {
		msgs, err := s.View(conv, ids)
		return viewedMsg{ctx: ctx, ids: ids, msgs: msgs, err: err}
	}
}

func detailCmd(s *access.Session, id string) tea.Cmd {
	return func() tea.Msg {
		m, err := s.Detail(id)
		return detailMsg{id: id, msg: m, err: err}
	}
}

func searchCmd(s *access.Session, seq int, q string, sort access.Sort) tea.Cmd {
	return func() tea.Msg {
		res, err := s.Search(context.Background(), q, access.Request{Sort: sort, Limit: searchLimit, Facets: true}, false)
		return searchMsg{seq: seq, res: res, err: err}
	}
}

// facetsCmd counts the facets of q again (no hits): recorded like any
// search, since it shows who and where again.
func facetsCmd(s *access.Session, seq int, q string) tea.Cmd {
	return func() tea.Msg {
		res, err := s.Search(context.Background(), q, access.Request{Limit: -1, Facets: true}, false)
		if err != nil {
			return nil // the old counts stay; the next search shows the error
		}
		return facetsMsg{seq: seq, facets: res.Facets}
	}
}

func allHitsCmd(s *access.Session, q, tag string) tea.Cmd {
	return func() tea.Msg {
		ids, err := s.AllHits(context.Background(), q)
		return allHitsMsg{tag: tag, ids: ids, err: err}
	}
}

// tagCmd tags ids; allHits says they are every hit of the current search
// (tag all), so that its tag facet can be counted without searching again.
func tagCmd(s *access.Session, add bool, tag string, ids []string, allHits bool) tea.Cmd {
	return func() tea.Msg {
		tags, err := s.Tag(add, tag, ids)
		return taggedMsg{add: add, tag: tag, tags: tags, err: err, allHits: allHits}
	}
}

func asQueryError(err error) (*index.QueryError, bool) {
	var qe *index.QueryError
	ok := errors.As(err, &qe)
	return qe, ok
}

// copyCmd records the copy, then puts the text on the terminal's
// clipboard (OSC 52, written by Bubble Tea).
func copyCmd(s *access.Session, id, what string) tea.Cmd {
	return func() tea.Msg {
		text, err := s.Copy(id, what)
		return copiedMsg{what: what, text: text, err: err}
	}
}
