package main

import (
	"bufio"
	"coffer/ui/session"
	"coffer/vault/audit"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"coffer/vault"

	"golang.org/x/term"
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
		data, err := os.ReadFile(path)
		if err != nil {
			return k, err
		}
		ids, err := vault.ParseIdentities(data)
		if err != nil {
			return k, fmt.Errorf("identity %s: %v", path, err)
		}
		k.Identities = append(k.Identities, ids...)
	}
	if u.passphraseFile != "" {
		p, err := readPassphraseFile(u.passphraseFile)
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

func readPassphraseFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	p := strings.TrimRight(line, "\r\n")
	if p == "" {
		return "", fmt.Errorf("passphrase file %s is empty", path)
	}
	return p, nil
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

// access is an unlocked vault and the audit session that records what is
// done with it. Every command that unlocks goes through here, so every
// unlock, failed or not, is in the trail before anything is read.
type access struct {
	v   *vault.Vault
	log *audit.Log
}

// unlock opens the audit session, then the vault with the flags' key.
func (u *unlockFlags) unlock(e *env, dir string) (*access, error) {
	m, err := vault.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	k, err := u.key(e, dir)
	if err != nil {
		return nil, err
	}
	log, err := session.OpenLog(dir, m)
	if err != nil {
		return nil, withHint(err, "coffer records every unlock before it shows anything, and could not")
	}
	v, err := session.Unlock(dir, log, k)
	if err != nil {
		log.Close(audit.LockExit)
		return nil, err
	}
	return &access{v: v, log: log}, nil
}

// open unlocks and decrypts every message.
func (u *unlockFlags) open(e *env, dir string) (*access, error) {
	a, err := u.unlock(e, dir)
	if err != nil {
		return nil, err
	}
	if err := a.v.Load(nil); err != nil {
		a.close()
		return nil, err
	}
	for _, w := range a.v.Warnings {
		fmt.Fprintf(e.stderr, "coffer: warning: %s\n", oneLine(w))
	}
	return a, nil
}

// record appends ev to the trail; callers do it before acting or showing.
func (a *access) record(ev audit.Event) error {
	if err := a.log.Append(ev); err != nil {
		return withHint(err, "nothing was shown or changed: coffer acts only once the audit trail has recorded it")
	}
	return nil
}

// announce records ev as the announcement of a vault change, before the
// change, and returns the link the change's manifest record carries.
func (a *access) announce(ev audit.Event) (audit.Link, error) {
	l, err := a.log.Announce(ev)
	if err != nil {
		return l, withHint(err, "nothing was changed: coffer acts only once the audit trail has recorded it")
	}
	return l, nil
}

// close drops the plaintext and ends the audit session.
func (a *access) close() {
	a.v.Close()
	a.log.Close(audit.LockExit)
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
