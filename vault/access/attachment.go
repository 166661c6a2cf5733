package access

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
	"coffer/vault/audit"
)

// Attachments leave the vault three ways, each recorded before it
// happens with the message, the attachment's name and its SHA-256: shown
// (Attachment), written to a file the member named (SaveAttachment), or
// handed to a command's standard input (PipeAttachment). None of them
// writes a temporary file anywhere else: plaintext reaches disk only at
// the path the member asked for.

// ErrExists is returned by SaveAttachment when the file is there and
// overwriting it was not asked for; nothing is recorded or written.
var ErrExists = errors.New("the file exists")

// FindAttachment returns the index in m.Attachments of the attachment
// which names: its exact name, or, when no attachment has that name,
// "#N", the N-th (from 1) as listings number them. Two attachments with
// one name are told apart by number.
func FindAttachment(m *vault.Message, which string) (int, error) {
	for i := range m.Attachments {
		if m.Attachments[i].Name == which {
			return i, nil
		}
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(which, "#")); err == nil && strings.HasPrefix(which, "#") {
		if n >= 1 && n <= len(m.Attachments) {
			return n - 1, nil
		}
		return 0, fmt.Errorf("access: message %s has %d attachments, not %d", m.ID, len(m.Attachments), n)
	}
	if len(m.Attachments) == 0 {
		return 0, fmt.Errorf("access: message %s has no attachments", m.ID)
	}
	return 0, fmt.Errorf("access: message %s has no attachment named %q", m.ID, which)
}

// attachment finds message id's attachment which and reads its content,
// checked against the hash recorded at import. It records nothing: an
// unknown message or name, or an attachment the export did not include,
// is refused before anything is released.
func (s *Session) attachment(id, which string) (*vault.Message, vault.Attachment, error) {
	msgs, err := s.lookup([]string{id})
	if err != nil {
		return nil, vault.Attachment{}, err
	}
	m := msgs[0]
	i, err := FindAttachment(m, which)
	if err != nil {
		return nil, vault.Attachment{}, err
	}
	a := m.Attachments[i]
	if a.Missing || a.Ref.Blob == "" {
		return nil, vault.Attachment{}, fmt.Errorf("access: attachment %q of message %s was not included in the export", a.Name, id)
	}
	content, err := s.v.Attachment(&a)
	if err != nil {
		return nil, vault.Attachment{}, err
	}
	sum := sha256.Sum256(content)
	if got := hex.EncodeToString(sum[:]); a.SHA256 != "" && got != a.SHA256 {
		clear(content)
		return nil, vault.Attachment{}, fmt.Errorf("access: attachment %q of message %s: content has SHA-256 %s, the vault recorded %s", a.Name, id, got, a.SHA256)
	} else if a.SHA256 == "" {
		a.SHA256 = got
	}
	a.Content = content
	return m, a, nil
}

// attachmentEvent is the event that releases attachment a of m.
func (s *Session) attachmentEvent(action audit.Action, m *vault.Message, a *vault.Attachment, target string) audit.Event {
	return audit.Event{Action: action, Conversation: m.Conversation.ID, Title: s.directory().title(m.Conversation.ID),
		Messages: []string{m.ID}, Sent: sentOf([]*vault.Message{m}), Attachment: clip(a.Name, maxTitle), SHA256: a.SHA256, Target: target}
}

// Attachment records that message id's attachment which (a name, or "#N":
// FindAttachment) is shown, then returns it with its Content. The caller
// shows it only through ui/sanitize: it is the archive's bytes.
func (s *Session) Attachment(id, which string) (vault.Attachment, error) {
	done, err := s.reading()
	if err != nil {
		return vault.Attachment{}, err
	}
	defer done()
	m, a, err := s.attachment(id, which)
	if err != nil {
		return vault.Attachment{}, err
	}
	if err := s.record(s.attachmentEvent(audit.ActionViewAttachment, m, &a, "")); err != nil {
		clear(a.Content)
		return vault.Attachment{}, err
	}
	return a, nil
}

// SaveAttachment records that message id's attachment which is written as
// plaintext to path, then writes it there atomically (a temporary file in
// path's own folder, synced, then linked or renamed into place: never in
// TMPDIR) and returns its size and SHA-256. An existing file is refused
// with ErrExists, before anything is recorded, unless overwrite is set.
// The event's Target is the absolute path.
func (s *Session) SaveAttachment(id, which, path string, overwrite bool) (int64, string, error) {
	done, err := s.reading()
	if err != nil {
		return 0, "", err
	}
	defer done()
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, "", fmt.Errorf("access: save to %s: %w", path, err)
	}
	if fi, err := os.Stat(abs); err == nil {
		if fi.IsDir() {
			return 0, "", fmt.Errorf("access: save to %s: is a folder", path)
		}
		if !overwrite {
			return 0, "", fmt.Errorf("access: save to %s: %w", path, ErrExists)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, "", fmt.Errorf("access: save to %s: %w", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return 0, "", fmt.Errorf("access: save to %s: no folder %s", path, filepath.Dir(abs))
	}
	m, a, err := s.attachment(id, which)
	if err != nil {
		return 0, "", err
	}
	defer clear(a.Content)
	if err := s.record(s.attachmentEvent(audit.ActionSaveAttachment, m, &a, abs)); err != nil {
		return 0, "", err
	}
	if err := writeFileAtomic(abs, a.Content, overwrite); err != nil {
		if errors.Is(err, fs.ErrExist) {
			err = ErrExists // created between the check and the link
		}
		return 0, "", fmt.Errorf("access: save to %s: %w", path, err)
	}
	return int64(len(a.Content)), a.SHA256, nil
}

// writeFileAtomic writes data to path through a temporary file in the
// same folder, so that path holds either nothing (or its old content) or
// all of data, even after a crash. Without overwrite, an existing path is
// left alone (fs.ErrExist). On Linux the temporary file has no name
// (writeUnnamed), so a crash leaves no copy; elsewhere a crash can leave
// a hidden .coffer-save-* beside path (SECURITY.md).
func writeFileAtomic(path string, data []byte, overwrite bool) (err error) {
	dir := filepath.Dir(path)
	if ok, err := writeUnnamed(dir, path, data, overwrite); ok {
		if err == nil {
			err = syncDir(dir)
		}
		return err
	}
	f, err := os.CreateTemp(dir, ".coffer-save-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if overwrite {
		err = os.Rename(tmp, path)
	} else if err = os.Link(tmp, path); err == nil {
		err = os.Remove(tmp) // the name is in place; the temporary one goes
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a new name in dir durable.
func syncDir(dir string) error {
	if d, derr := os.Open(dir); derr == nil {
		derr = d.Sync()
		d.Close()
		if derr != nil && runtime.GOOS != "windows" {
			return derr
		}
	}
	return nil
}

// PipeAttachment records that message id's attachment which is handed to
// the command line cmdline, then runs it with the shell ($SHELL is not
// used: /bin/sh -c, as mutt's pipe does) with the attachment on standard
// input and its output to stdout and stderr. The event is written before
// the command starts; the command receives plaintext and may keep it:
// that is the member's choice, and the trail names the command. The
// command's failure is returned as an error naming its exit status.
func (s *Session) PipeAttachment(ctx context.Context, id, which, cmdline string, stdout, stderr io.Writer) error {
	if strings.TrimSpace(cmdline) == "" {
		return errors.New("access: pipe: no command")
	}
	done, err := s.reading()
	if err != nil {
		return err
	}
	m, a, err := s.attachment(id, which)
	if err != nil {
		done()
		return err
	}
	defer clear(a.Content)
	err = s.record(s.attachmentEvent(audit.ActionPipeAttachment, m, &a, cmdline))
	// The command may run for long: the session is not held meanwhile,
	// so that a lock does not wait for it.
	done()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", cmdline)
	cmd.Stdin = bytes.NewReader(a.Content)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A cancelled command's children may hold its output open: stop
	// waiting for them.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("access: pipe to %q: %s", cmdline, ee.ProcessState)
		}
		return fmt.Errorf("access: pipe to %q: %w", cmdline, err)
	}
	return nil
}
