package vault

import (
	"coffer/vault/store"
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
	p, err := comparePin(m)
	if err != nil {
		return err
	}
	return recordPin(m, p)
}

// checkPinIn is checkPin of m, read from st. Where writers share st
// without a lock, m being behind the pin may only mean that another
// writer appended (and moved the pin on) since m was read: the manifest
// is read again (it must extend m), and only one still behind is a
// rollback. It returns the manifest it checked.
func checkPinIn(st store.Store, m *Manifest) (*Manifest, error) {
	for try := 0; ; try++ {
		err := checkPin(m)
		if err == nil || !errors.Is(err, errBehindPin) || !st.Shared() || try == 3 {
			return m, err
		}
		newer, rerr := readManifestSince(st, m)
		if rerr == nil {
			rerr = extends(newer, m)
		}
		if rerr != nil {
			return m, rerr
		}
		m = newer
	}
}

// readManifestPinned reads dir's manifest and compares it with this
// machine's pin (comparePin). A writer appends to the manifest before it
// moves the pin on, so a manifest read just before another process's
// write and a pin read just after it look like a rollback: two reviewers
// deciding at once saw "rolled back" (TestReviewersInTwoProcessesLoseNothing).
// The manifest is read again, and only one still behind the pin is
// refused.
func readManifestPinned(st store.Store) (*Manifest, *pin, error) {
	for try := 0; ; try++ {
		m, err := readManifest(st)
		if err != nil {
			return nil, nil, err
		}
		p, err := comparePin(m)
		if err == nil || !errors.Is(err, errBehindPin) || try == 2 {
			return m, p, err
		}
	}
}

// errBehindPin marks the TamperError of a manifest with fewer records
// than the pin.
var errBehindPin = errors.New("behind the pin")

// behindPinError is a rollback: the TamperError users see, which
// errors.Is also finds as errBehindPin.
type behindPinError struct{ *TamperError }

func (e behindPinError) Is(target error) bool { return target == errBehindPin }
func (e behindPinError) Unwrap() error        { return e.TamperError }

// comparePin compares m with the pin of its vault, if this machine holds
// one, and returns the pin (nil for none: the first time this machine
// sees the vault, or no state folder). It writes nothing, so that a caller
// that finds something else wrong can refuse m without pinning it.
func comparePin(m *Manifest) (*pin, error) {
	path, err := pinPath(m)
	if err != nil {
		return nil, nil // no home: nothing to compare with
	}
	key := base64.StdEncoding.EncodeToString(m.GenesisKey())
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vault: read pin: %w", err)
	}
	var p pin
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("vault: pin %s is corrupt: %v", path, err)
	}
	if p.GenesisKey != key {
		return nil, &TamperError{File: ManifestFile, Reason: fmt.Sprintf("signed by a different key than the vault with this id seen before (a forged vault?); pin: %s", path)}
	}
	if m.Seq() < p.Seq {
		return nil, behindPinError{&TamperError{File: ManifestFile, Reason: fmt.Sprintf("rolled back: has %d records, %d were seen before (an older manifest was put back)", m.Seq()+1, p.Seq+1)}}
	}
	if lineHash(m.lines[p.Seq]) != p.Head {
		return nil, &TamperError{File: ManifestFile, Line: p.Seq + 1, Reason: "differs from the record seen before here (history rewritten)"}
	}
	return &p, nil
}

// recordPin records m as last seen, unless the pin (as comparePin
// returned it) is already at m's last record.
func recordPin(m *Manifest, p *pin) error {
	if p != nil && p.Seq == m.Seq() {
		return nil
	}
	path, err := pinPath(m)
	if err != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	// Another process may have moved the pin on since p was read: never
	// move it back.
	var now pin
	if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &now) == nil && now.Seq >= m.Seq() {
		return nil
	}
	b, _ := json.Marshal(pin{GenesisKey: base64.StdEncoding.EncodeToString(m.GenesisKey()), Seq: m.Seq(), Head: m.Head()})
	return writeAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

func pinPath(m *Manifest) (string, error) {
	dir, err := stateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, m.VaultID+".json"), nil
}
