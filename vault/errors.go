package vault

import (
	"errors"
	"fmt"
)

// ErrWrongKey means none of the given passphrases or identities opens a
// member key of this vault.
var ErrWrongKey = errors.New("no member key of this vault matches the passphrase or identity")

// ErrNotVault means the folder has no manifest.
var ErrNotVault = errors.New("not a coffer vault (no manifest)")

// ErrLocked means another process is writing to the vault.
var ErrLocked = errors.New("vault is locked by another writer")

// TamperError reports a vault file that fails authentication: altered,
// truncated, missing, replaced, rolled back or not named by the manifest.
// Nothing read from such a file is ever returned.
type TamperError struct {
	File   string // path relative to the vault folder
	Line   int    // line of the manifest, when File is the manifest
	Reason string
}

func (e *TamperError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

func tamper(file, format string, args ...any) *TamperError {
	return &TamperError{File: file, Reason: fmt.Sprintf(format, args...)}
}
