package browse

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"coffer/index"
	"coffer/ui/session"
	"coffer/vault"
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
		res *session.Results
		err error
	}
	allHitsMsg struct {
		tag string
		ids []string
		err error
	}
	taggedMsg struct {
		add  bool
		tag  string
		tags map[string][]string
		err  error
	}
	ixMsg struct {
		ix   *index.Index
		prog index.Progress
		done bool
		err  error
		ch   <-chan ixMsg
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

// startIndex builds the index in the background, reporting progress.
// The goroutine owns the index: when ctx is cancelled (the vault locks)
// it stops the build if one is running and closes the index, so no
// reference to the plaintext outlives the lock.
func startIndex(ctx context.Context, s *session.Session) tea.Cmd {
	ch := make(chan ixMsg, 4)
	go func() {
		defer close(ch)
		ix, err := s.BuildIndex(ctx, func(p index.Progress) {
			select {
			case ch <- ixMsg{prog: p}:
			default: // the UI is busy; the next report will do
			}
		})
		if err != nil {
			ch <- ixMsg{err: err, done: true}
			return
		}
		ch <- ixMsg{ix: ix}
		err = ix.Wait(ctx)
		if ctx.Err() == nil {
			ch <- ixMsg{ix: ix, prog: ix.Progress(), done: true, err: err}
		}
		<-ctx.Done()
		ix.Close()
	}()
	return listenIndex(ch)
}

func viewCmd(s *session.Session, ctx int, conv string, ids []string) tea.Cmd {
	return func() tea.Msg {
		msgs, err := s.View(conv, ids)
		return viewedMsg{ctx: ctx, ids: ids, msgs: msgs, err: err}
	}
}

func detailCmd(s *session.Session, id string) tea.Cmd {
	return func() tea.Msg {
		m, err := s.Detail(id)
		return detailMsg{id: id, msg: m, err: err}
	}
}

func searchCmd(s *session.Session, ix *index.Index, seq int, q string) tea.Cmd {
	return func() tea.Msg {
		res, err := s.Search(context.Background(), ix, q, searchLimit)
		return searchMsg{seq: seq, res: res, err: err}
	}
}

func allHitsCmd(s *session.Session, ix *index.Index, q, tag string) tea.Cmd {
	return func() tea.Msg {
		ids, err := s.AllHits(context.Background(), ix, q)
		return allHitsMsg{tag: tag, ids: ids, err: err}
	}
}

func tagCmd(s *session.Session, ix *index.Index, add bool, tag string, ids []string) tea.Cmd {
	return func() tea.Msg {
		tags, err := s.Tag(ix, add, tag, ids)
		return taggedMsg{add: add, tag: tag, tags: tags, err: err}
	}
}

func asQueryError(err error) (*index.QueryError, bool) {
	var qe *index.QueryError
	ok := errors.As(err, &qe)
	return qe, ok
}
