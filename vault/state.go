package vault

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The pin is what this user's machine last saw of a vault: its genesis
// signing key, and the number and hash of the last manifest record. It
// turns two attacks that a signed manifest alone cannot see into errors:
// a replayed older manifest (rollback) and a whole forged vault made
// under the same id with recipients' public keys. It holds no content.
type pin struct {
	GenesisKey string `json:"genesis_key"`
	Seq        int    `json:"seq"`
	Head       string `json:"head"`
}

// stateDir is where pins live: $COFFER_STATE_DIR, else
// $XDG_STATE_HOME/coffer, else ~/.local/state/coffer.
func stateDir() (string, error) {
	if d := os.Getenv("COFFER_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "coffer"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "coffer"), nil
}

// checkPin compares m with what was last seen of this vault, and records
// m as last seen when it extends that.
func checkPin(m *Manifest) error {
	dir, err := stateDir()
	if err != nil {
		return nil // no home: nothing to compare with
	}
	path := filepath.Join(dir, m.VaultID+".json")
	key := base64.StdEncoding.EncodeToString(m.GenesisKey())
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("vault: read pin: %w", err)
	default:
		var p pin
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("vault: pin %s is corrupt: %v", path, err)
		}
		if p.GenesisKey != key {
			return &TamperError{File: ManifestFile, Reason: fmt.Sprintf("signed by a different key than the vault with this id seen before (a forged vault?); pin: %s", path)}
		}
		if m.Seq() < p.Seq {
			return &TamperError{File: ManifestFile, Reason: fmt.Sprintf("rolled back: has %d records, %d were seen before (an older manifest was put back)", m.Seq()+1, p.Seq+1)}
		}
		if lineHash(m.lines[p.Seq]) != p.Head {
			return &TamperError{File: ManifestFile, Line: p.Seq + 1, Reason: "differs from the record seen before here (history rewritten)"}
		}
		if m.Seq() == p.Seq {
			return nil
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	b, _ := json.Marshal(pin{GenesisKey: key, Seq: m.Seq(), Head: m.Head()})
	return writeAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}
