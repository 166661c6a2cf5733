package main

import (
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"

	"coffer/ui"
	"coffer/vault"
)

func reviewCommand() *command {
	return &command{
		name:    "review",
		args:    "DIR",
		summary: "review a vault in the terminal interface (also: coffer DIR)",
		help: `Opens the review TUI: unlock, browse conversations, search (/), tag (t),
lock (ctrl+l). Every view, search and tag is recorded in the audit trail
before it is shown. The vault locks itself after --idle-lock without input.

Examples:
  coffer review ./vault
  coffer ./vault
  coffer review ./vault --identity ~/.coffer/me.key --idle-lock 5m`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var u unlockFlags
			u.register(fs)
			idle := fs.Duration("idle-lock", ui.DefaultIdleLock, "lock after `DURATION` without input (0: never)")
			demoHint := fs.String("demo-hint", "", "show `TEXT` under the passphrase box, for demos (the command line is visible to every user: no real secret)")
			return func(e *env, args []string) error {
				if err := needArgs("review", args, 1, 1); err != nil {
					return err
				}
				return runReview(e, args[0], &u, *idle, *demoHint)
			}
		},
	}
}

// isVaultDir reports whether arg names a vault folder, for the `coffer
// DIR` shorthand.
func isVaultDir(arg string) bool { return vault.Exists(arg) }

func runReview(e *env, dir string, u *unlockFlags, idle time.Duration, demoHint string) error {
	man, err := vault.ReadManifest(dir)
	if err != nil {
		return err
	}
	opt := ui.Options{Dir: dir, Manifest: man, IdleLock: idle, NoColor: ui.NoColor(), DemoHint: demoHint}
	if len(u.identities) > 0 || u.passphraseFile != "" {
		k, err := u.key(e, dir)
		if err != nil {
			return err
		}
		opt.Key = &k
		if len(u.identities) > 0 {
			opt.KeyHint = fmt.Sprintf("identity %s", u.identities[0])
		} else {
			opt.KeyHint = fmt.Sprintf("passphrase from %s", u.passphraseFile)
		}
	}
	// A review holds the index and the catalogs (GBs at 10M, nearly all
	// pointer-free) for its whole life, and decrypts segments for
	// phrase checks and drops them: at the default GOGC the heap was let
	// grow to twice what is live before collecting (12.6 GB peak at 10M
	// for 6.5 GB live). Loading a vault whole sets its own setting while
	// it runs (vault.Load).
	debug.SetGCPercent(25)
	m := ui.New(opt)
	_, runErr := tea.NewProgram(m).Run()
	// A signal ends the program without a last Update: lock and record
	// the exit here (a no-op after q).
	closeErr := m.Close()
	if runErr != nil && !errors.Is(runErr, tea.ErrInterrupted) {
		return fmt.Errorf("terminal: %w", runErr)
	}
	if closeErr != nil {
		return closeErr
	}
	// Printed by main only now that the terminal is restored.
	return m.Err()
}

// runAuditTUI opens the auditor's screen for the vault at dir: the
// no-subcommand case of `coffer audit` (cmd_audit.go).
func runAuditTUI(e *env, dir string, identityFiles []string) error {
	if len(identityFiles) == 0 {
		return usageError("audit: --identity FILE is required (the auditor's key)")
	}
	ids, err := readAuditorIdentities(identityFiles)
	if err != nil {
		return err
	}
	if !vault.Exists(dir) {
		return fmt.Errorf("%s: %w", oneLine(dir), vault.ErrNotVault)
	}
	m := ui.NewAuditor(ui.AuditorOptions{Dir: dir, Identities: ids, NoColor: ui.NoColor()})
	if _, err := tea.NewProgram(m).Run(); err != nil && !errors.Is(err, tea.ErrInterrupted) {
		return fmt.Errorf("terminal: %w", err)
	}
	return m.Err()
}
