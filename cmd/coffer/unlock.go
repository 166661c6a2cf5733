package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"
	"golang.org/x/term"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/audit"
)

// unlockFlags are shared by every command that needs the vault secret.
type unlockFlags struct {
	identities     listFlag
	passphraseFile string
}

func (u *unlockFlags) register(fs *flag.FlagSet) {
	fs.Var(&u.identities, "identity", "unlock with the age, hybrid or SSH identity in `FILE` (repeatable)")
	fs.StringVar(&u.passphraseFile, "passphrase-file", "", "read the passphrase from the first line of `FILE` (for automation)")
}

// key builds the unlock key: identities, a passphrase file, or a prompt
// on the terminal.
func (u *unlockFlags) key(e *env, dir string) (vault.Key, error) {
	var k vault.Key
	for _, path := range u.identities {
		ids, err := readIdentities("identity", path, memberKeyHint)
		if err != nil {
			return k, err
		}
		k.Identities = append(k.Identities, ids...)
	}
	if u.passphraseFile != "" {
		p, err := readPassphraseFile("passphrase-file", u.passphraseFile)
		if err != nil {
			return k, err
		}
		k.Passphrases = append(k.Passphrases, p)
	}
	if len(k.Identities) == 0 && len(k.Passphrases) == 0 {
		p, err := prompt(e, fmt.Sprintf("Passphrase for vault %s: ", dir))
		if err != nil {
			return k, err
		}
		k.Passphrases = append(k.Passphrases, p)
	}
	return k, nil
}

// Hints for a key file that cannot be read.
const (
	memberKeyHint  = "give a member's key: the file 'coffer init --identity-out' or 'coffer member add --identity-out' wrote, or an age or SSH identity"
	auditorKeyHint = "give the auditor's key: the file 'coffer init --auditor-key-out' wrote"
	passFileHint   = "the file's first line is the passphrase; it must exist and not be empty"
)

// readPassphraseFile reads the first line of path, given to flag.
func readPassphraseFile(flag, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", flagFile(flag, path, err, passFileHint)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", flagFile(flag, path, err, passFileHint)
	}
	p := strings.TrimRight(line, "\r\n")
	if p == "" {
		return "", flagFile(flag, path, errors.New("empty first line"), passFileHint)
	}
	return p, nil
}

// readIdentities reads the age, hybrid or SSH identities in path, given
// to flag; hint says which key was wanted.
func readIdentities(flag, path, hint string) ([]age.Identity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, flagFile(flag, path, err, hint)
	}
	ids, err := vault.ParseIdentities(data)
	if err != nil {
		return nil, flagFile(flag, path, err, hint)
	}
	return ids, nil
}

var errNoTerminal = errors.New("no terminal to ask for the passphrase")

// prompt reads a secret from the terminal, never from stdin (which may be
// a pipe carrying data) and never echoing it.
func prompt(e *env, msg string) (string, error) {
	if e.tty == nil {
		return "", withHint(errNoTerminal, "use --identity FILE or --passphrase-file FILE")
	}
	tty, err := e.tty()
	if err != nil {
		return "", withHint(errNoTerminal, "use --identity FILE or --passphrase-file FILE")
	}
	defer tty.Close()
	fmt.Fprint(tty, msg)
	var p []byte
	if f, ok := tty.(*os.File); ok {
		p, err = readPassword(f)
		fmt.Fprintln(tty)
	} else {
		var line string
		line, err = bufio.NewReader(tty).ReadString('\n')
		p = []byte(strings.TrimRight(line, "\r\n"))
	}
	if err != nil && !(errors.Is(err, io.EOF) && len(p) > 0) {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	if len(p) == 0 {
		return "", errors.New("empty passphrase")
	}
	return string(p), nil
}

func openTTY() (io.ReadWriteCloser, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// engine is the search engine every session uses: calendar dates in
// queries are local days (README, Dates).
func engine() index.Engine { return index.Engine{Location: time.Local, OneShot: true} }

// session is an unlocked vault (vault/access: the only way to its
// content) and the env whose output it feeds. Every command that unlocks
// goes through here, so every unlock, failed or not, is in the trail
// before anything is read.
type session struct {
	*access.Session
	e *env
}

// unlock opens the audit session, then the vault with the flags' key.
func (u *unlockFlags) unlock(e *env, dir string) (*session, error) {
	m, err := vault.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	k, err := u.key(e, dir)
	if err != nil {
		return nil, err
	}
	g, err := access.Open(dir, m, engine())
	if err != nil {
		return nil, withHint(err, "coffer records every unlock before it shows anything, and could not")
	}
	s, err := g.Unlock(k)
	if err != nil {
		return nil, errors.Join(err, g.Close(audit.LockExit))
	}
	return &session{Session: s, e: e}, nil
}

// open unlocks and decrypts every message.
func (u *unlockFlags) open(e *env, dir string) (*session, error) {
	return u.openWith(e, dir, false)
}

// openCatalog is open for the commands that only search and count
// (search, stats): the session reads the catalogs of the vault's index
// files and decrypts only the segments of the messages it shows
// (access.Session.LoadCatalog), or everything when a segment has none.
func (u *unlockFlags) openCatalog(e *env, dir string) (*session, error) {
	return u.openWith(e, dir, true)
}

func (u *unlockFlags) openWith(e *env, dir string, catalog bool) (*session, error) {
	s, err := u.unlock(e, dir)
	if err != nil {
		return nil, err
	}
	if catalog {
		// For the rest of this one-shot process: nearly all it holds is
		// pointer-free (the index files, the tables), so collecting
		// often is cheap, and at the default the heap grew to twice
		// what was live (coffer search at 1M: 501 MB for 266 MB live).
		debug.SetGCPercent(25)
		if err = s.LoadCatalog(nil); err == nil {
			// No next query to keep the segments a phrase check read
			// for: a phrase whose candidates are everywhere held 1.2 GB
			// at 1M with no bound, 0.7 GB with this one.
			s.LimitSegments(128 << 20)
		}
	} else {
		err = s.Load(nil)
	}
	if err != nil {
		return nil, err // Load locked the session
	}
	if catalog && !s.Catalogued() {
		fmt.Fprintf(e.stderr, "coffer: note: %s has search indexes from before catalogs, so every message was decrypted; 'coffer compact %s' once makes one-shot searches open only the indexes\n",
			oneLine(dir), shellQuote(dir))
	}
	for _, w := range s.Warnings() {
		fmt.Fprintf(e.stderr, "coffer: warning: %s\n", oneLine(w))
	}
	return s, nil
}

// close drops the plaintext and ends the audit session: as an exit, or,
// when the reader of the output went away, as that.
func (s *session) close() {
	reason := audit.LockExit
	if closedPipe(s.e.stdout.Err()) {
		reason = audit.LockPipe
	}
	if err := s.Lock(reason); err != nil {
		fmt.Fprintf(s.e.stderr, "coffer: warning: the end of the session was not recorded: %s\n", oneLine(err.Error()))
	}
}

// readPassword reads without echo. term.ReadPassword keeps ISIG, so a
// Ctrl-C would kill the process with echo still off: restore the terminal
// on SIGINT/SIGTERM first.
func readPassword(tty *os.File) ([]byte, error) {
	fd := int(tty.Fd())
	old, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sig:
			term.Restore(fd, old)
			fmt.Fprintln(tty)
			os.Exit(130)
		case <-done:
		}
	}()
	return term.ReadPassword(fd)
}

// openIndexed opens the vault as open does and waits until its search
// index is complete: what search, tag, produce and policy run need
// before they run a query.
func (u *unlockFlags) openIndexed(e *env, dir string) (*session, error) {
	return u.openIndexedWith(e, dir, false)
}

// openSearch is openIndexed for a command that only searches: see
// openCatalog.
func (u *unlockFlags) openSearch(e *env, dir string) (*session, error) {
	return u.openIndexedWith(e, dir, true)
}

func (u *unlockFlags) openIndexedWith(e *env, dir string, catalog bool) (*session, error) {
	s, err := u.openWith(e, dir, catalog)
	if err != nil {
		return nil, err
	}
	if err = s.OpenIndex(nil); err == nil {
		err = s.WaitIndex(context.Background())
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}
