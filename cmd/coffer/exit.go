package main

import (
	"errors"
	"fmt"
	"io"

	"coffer/vault"
	"coffer/vault/ingest"
)

// Exit codes, in one place.
const (
	exitOK       = 0
	exitFailure  = 1 // an error, or verification found tampering
	exitUsage    = 2 // bad command line
	exitWrongKey = 3 // no member key matched
	exitBadInput = 4 // a malformed export
)

// cliError is an error with a hint and an exit code.
type cliError struct {
	err  error
	hint string
	code int
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &cliError{err: fmt.Errorf(format, args...), code: exitUsage, hint: "run 'coffer help' for usage"}
}

func withHint(err error, hint string) error {
	var ce *cliError
	if errors.As(err, &ce) {
		ce.hint = hint
		return ce
	}
	return &cliError{err: err, hint: hint, code: exitFailure}
}

// report prints err as coffer's one-line error (and hint), and returns the
// exit code it deserves.
func report(stderr io.Writer, err error) int {
	code := exitFailure
	hint := ""
	var ce *cliError
	if errors.As(err, &ce) {
		code, hint = ce.code, ce.hint
	}
	var ie *ingest.Error
	var te *vault.TamperError
	switch {
	case errors.Is(err, vault.ErrWrongKey):
		code = exitWrongKey
		if hint == "" {
			hint = "check the passphrase, or pass the member's key with --identity FILE"
		}
	case errors.As(err, &ie):
		code = exitBadInput
		if hint == "" {
			hint = "nothing was stored; fix the file, or use --lenient to skip bad records"
		}
	case errors.As(err, &te):
		if hint == "" {
			hint = "the vault folder was changed outside coffer; run 'coffer verify DIR' to list every affected file"
		}
	case errors.Is(err, vault.ErrNotVault):
		if hint == "" {
			hint = "create one with 'coffer init DIR'"
		}
	case errors.Is(err, vault.ErrLocked):
		if hint == "" {
			hint = "another coffer process is writing to this vault; try again when it is done"
		}
	}
	fmt.Fprintf(stderr, "coffer: error: %s\n", oneLine(err.Error()))
	if hint != "" {
		fmt.Fprintf(stderr, "coffer: hint: %s\n", hint)
	}
	return code
}
