package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

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

// cliError is an error with a hint and an exit code, and for mistakes
// on the command line the usage to print after them.
type cliError struct {
	err  error
	hint string
	code int
	// usage, when set, prints the usage of what was mistyped (all
	// commands, or the command's synopsis and flags) after the hint.
	usage func(io.Writer)
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// genericUsageHint is the hint of a usage error that has none of its
// own; dispatch makes it name the command.
const genericUsageHint = "run 'coffer help' for usage"

func usageError(format string, args ...any) error {
	return &cliError{err: fmt.Errorf(format, args...), code: exitUsage, hint: genericUsageHint}
}

// usageHint is a usage error with a hint of its own (a suggestion), or
// the generic one when hint is empty.
func usageHint(hint, format string, args ...any) error {
	if hint == "" {
		hint = genericUsageHint
	}
	return &cliError{err: fmt.Errorf(format, args...), code: exitUsage, hint: hint}
}

// forCommand makes a usage error of command c point at c's own help and
// print its synopsis: "run 'coffer help search'" says more than "run
// 'coffer help'".
func forCommand(err error, c *command, flags *flag.FlagSet) error {
	var ce *cliError
	if !errors.As(err, &ce) || ce.code != exitUsage {
		return err
	}
	if ce.hint == genericUsageHint {
		ce.hint = fmt.Sprintf("run 'coffer help %s' for its flags and examples", c.name)
	}
	if ce.usage == nil {
		ce.usage = func(w io.Writer) { printSynopsis(w, c, flags) }
	}
	return err
}

// fileError names the flag or argument a file came from, and what is
// wrong with it, without the syscall's words: "--passphrase-file
// missing.txt: no such file" rather than "open missing.txt: no such file
// or directory". arg is the flag's name, or "" for a positional argument.
type fileError struct {
	arg, path string
	err       error
}

func (e *fileError) Error() string {
	why := e.err.Error()
	var pe *fs.PathError
	switch {
	case errors.Is(e.err, fs.ErrNotExist):
		why = "no such file"
	case errors.Is(e.err, fs.ErrExist):
		why = "already exists"
	case errors.Is(e.err, fs.ErrPermission):
		why = "permission denied"
	case errors.As(e.err, &pe):
		why = pe.Err.Error()
	}
	if e.arg == "" {
		return e.path + ": " + why
	}
	return dashes(e.arg) + " " + e.path + ": " + why
}

func (e *fileError) Unwrap() error { return e.err }

// flagFile wraps a failure to read or write the file given to flag, with
// a hint (may be empty).
func flagFile(flag, path string, err error, hint string) error {
	fe := &fileError{arg: flag, path: path, err: err}
	if hint == "" {
		return fe
	}
	return &cliError{err: fe, hint: hint, code: exitFailure}
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
	if ce != nil && ce.usage != nil {
		fmt.Fprintln(stderr)
		ce.usage(stderr)
	}
	return code
}
