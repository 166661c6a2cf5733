package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"coffer/index"
	"coffer/ui/sanitize"
	"coffer/vault"
	"coffer/vault/audit"

	"filippo.io/age"
)

func auditCommand() *command {
	return &command{
		name:    "audit",
		args:    "[verify|show|checkpoint] DIR --identity AUDITOR-KEY",
		summary: "read, verify and checkpoint the audit trail (auditors)",
		help: `
With no subcommand, opens the auditor's screen. All of these need an
auditor's identity; none shows message content.

  verify      check every session of the trail: exit 0 when intact, 1
              naming the first bad entry and why (edited, missing,
              reordered, truncated, bad MAC), or the first vault change
              (import, member or ingest key change, compaction, production) that the
              signed manifest records and the trail does not. With
              --checkpoint FILE, also prove that the trail still extends
              that checkpoint.
  show        list events, as a table, JSON lines (--json) or CSV (--csv),
              filtered by --actor, --action, --since, --until, --message.
              Views and tags name the conversation's title and each
              message's sender and time, as they were shown; the table
              adds message ids with --ids. --since and --until take the
              dates of queries: 2025, 2025-03, 2025-03-01, today,
              yesterday, 7d (a point: since or until 7 days ago), a range
              A..B, or an RFC 3339 time.
  checkpoint  print a signed tree head of every session; keep it away from
              the vault and pass it to 'verify --checkpoint' later.

Examples:
  coffer audit case-2291 --identity auditor.key
  coffer audit verify case-2291 --identity auditor.key --checkpoint cp-monday.txt
  coffer audit show case-2291 --identity auditor.key --action search --since 2025-03-01
  coffer audit show case-2291 --identity auditor.key --action view-conversation --since 7d --ids
  coffer audit show case-2291 --identity auditor.key --message 5cd9d750e75cc7aa --json
  coffer audit checkpoint case-2291 --identity auditor.key > cp-$(date +%F).txt`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				ids                                listFlag
				checkpoint, actor, action, message string
				since, until, session              string
				asJSON, asCSV, withIDs             bool
			)
			fs.Var(&ids, "identity", "the auditor's age identity `FILE` (repeatable)")
			fs.StringVar(&checkpoint, "checkpoint", "", "verify: prove the trail extends the checkpoint in `FILE`")
			fs.BoolVar(&asJSON, "json", false, "show: JSON lines")
			fs.BoolVar(&asCSV, "csv", false, "show: CSV")
			fs.StringVar(&actor, "actor", "", "show: only events by this member `NAME` or key fingerprint")
			fs.StringVar(&action, "action", "", "show: only this `ACTION` (unlock, unlock-failed, view-conversation, search, tag-add, ...)")
			fs.StringVar(&since, "since", "", "show: events from the start of `DATE` (2025-03, 2025-03-01, yesterday, 7d, A..B, RFC 3339)")
			fs.StringVar(&until, "until", "", "show: events up to the end of `DATE` (before it, for 7d or a time)")
			fs.BoolVar(&withIDs, "ids", false, "show: list message and conversation ids in the table")
			fs.StringVar(&message, "message", "", "show: events about the message `ID`")
			fs.StringVar(&session, "session", "", "show: events of one `SESSION`")
			return func(e *env, args []string) error {
				if len(args) == 1 {
					return runAuditTUI(e, args[0], ids)
				}
				if err := needArgs("audit", args, 2, 2); err != nil {
					return err
				}
				sub, dir := args[0], args[1]
				if !vault.Exists(dir) {
					return fmt.Errorf("vault: %s: %w", dir, vault.ErrNotVault)
				}
				identities, err := readAuditorIdentities(ids)
				if err != nil {
					return err
				}
				switch sub {
				case "verify":
					return auditVerify(e, dir, identities, checkpoint)
				case "show":
					f := audit.Filter{Actor: actor, Message: message, Session: session}
					if action != "" {
						if f.Action, err = audit.ParseAction(action); err != nil {
							var names []string
							for _, a := range audit.Actions() {
								names = append(names, string(a))
							}
							return usageHint(didYouMean(action, names, quote), "audit show: --action: %v", err)
						}
					}
					if err := timeFilter(&f, since, until, time.Now(), time.Local); err != nil {
						return err
					}
					format := formatTable
					switch {
					case asJSON && asCSV:
						return usageError("audit show: --json and --csv are exclusive")
					case asJSON:
						format = formatJSON
					case asCSV:
						format = formatCSV
					}
					st, err := vault.OpenStore(dir)
					if err != nil {
						return err
					}
					evs, err := audit.Read(st, identities, f)
					if rerr := renderEvents(e.stdout, evs, format, withIDs); rerr != nil {
						return rerr
					}
					return auditError(err)
				case "checkpoint":
					st, err := vault.OpenStore(dir)
					if err != nil {
						return err
					}
					cp, err := audit.NewCheckpoint(st, identities)
					if err != nil {
						return auditError(err)
					}
					_, err = e.stdout.Write(cp.Marshal())
					return err
				}
				return usageHint(didYouMean(sub, []string{"verify", "show", "checkpoint"}, quote),
					"audit: unknown subcommand %q (verify, show, checkpoint)", sub)
			}
		},
	}
}

func auditVerify(e *env, dir string, ids []age.Identity, checkpointFile string) error {
	var cp *audit.Checkpoint
	if checkpointFile != "" {
		data, err := os.ReadFile(checkpointFile)
		if err != nil {
			return flagFile("checkpoint", checkpointFile, err, "give the file 'coffer audit checkpoint' printed")
		}
		if cp, err = audit.ParseCheckpoint(data); err != nil {
			return flagFile("checkpoint", checkpointFile, err, "give the file 'coffer audit checkpoint' printed")
		}
	}
	// Against the manifest too: deleting sessions, or the whole trail,
	// must not verify clean when the vault proves they were written.
	rep, err := vault.VerifyTrail(dir, ids, cp)
	if rep != nil {
		for _, l := range strings.Split(strings.TrimSpace(rep.Summary()), "\n") {
			if l != "" {
				fmt.Fprintln(e.stdout, sanitize.Line(l))
			}
		}
	}
	outcome := "intact"
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	// The run itself is an event: auditors' checks are part of the record.
	if rerr := recordAuditorEvent(dir, ids, audit.Event{Action: audit.ActionVerify, Reason: outcome}); rerr != nil && err == nil {
		fmt.Fprintf(e.stderr, "coffer: warning: could not record this verify run: %s\n", oneLine(rerr.Error()))
	}
	return auditError(err)
}

// auditError gives audit failures their exit status and hint.
func auditError(err error) error {
	var te *audit.TamperError
	var me *audit.MismatchError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return &cliError{err: err, code: exitFailure, hint: "the audit trail was altered, cut or replaced after it was written; keep this output as evidence"}
	case errors.As(err, &me):
		return &cliError{err: err, code: exitFailure, hint: "the trail and the signed manifest disagree: sessions that recorded vault changes were deleted (or the manifest was put back); keep this output as evidence"}
	case errors.Is(err, audit.ErrNotAuditor):
		return &cliError{err: err, code: exitWrongKey, hint: "pass an auditor's key with --identity (member keys cannot read the trail)"}
	case errors.Is(err, audit.ErrCheckpointKey):
		return &cliError{err: err, code: exitWrongKey, hint: "a checkpoint can only be checked with the identity of the auditor who signed it"}
	case errors.Is(err, audit.ErrNoTrail):
		return withHint(err, "the vault records no change that needs a trail, and the trail starts at the first unlock; 'coffer init' creates the folder, so if this vault was ever unlocked its trail was deleted")
	}
	return err
}

// recordAuditorEvent appends one event in a session of its own, with the
// auditor as the actor.
func recordAuditorEvent(dir string, ids []age.Identity, ev audit.Event) error {
	m, err := vault.ReadManifest(dir)
	if err != nil {
		return err
	}
	var recips []age.Recipient
	for _, a := range m.Auditors {
		r, _, err := vault.ParseRecipient(a.Recipient)
		if err != nil {
			return err
		}
		recips = append(recips, r)
	}
	actor := audit.Actor{Member: "auditor"}
	for _, id := range ids {
		if r := identityRecipient(id); r != "" {
			actor.Fingerprint = vault.Fingerprint(r)
			break
		}
	}
	st, err := vault.OpenStore(dir)
	if err != nil {
		return err
	}
	l, err := audit.Open(st, recips, actor)
	if err != nil {
		return err
	}
	if err := l.Append(ev); err != nil {
		l.Close(audit.LockExit)
		return err
	}
	return l.Close(audit.LockExit)
}

func identityRecipient(id age.Identity) string {
	switch i := id.(type) {
	case *age.X25519Identity:
		return i.Recipient().String()
	case *age.HybridIdentity:
		return i.Recipient().String()
	}
	return ""
}

func readAuditorIdentities(files []string) ([]age.Identity, error) {
	if len(files) == 0 {
		return nil, usageError("audit: --identity FILE is required (the auditor's key)")
	}
	var ids []age.Identity
	for _, path := range files {
		parsed, err := readIdentities("identity", path, auditorKeyHint)
		if err != nil {
			return nil, err
		}
		ids = append(ids, parsed...)
	}
	return ids, nil
}

// timeFilter sets f's bounds from --since and --until, which take the
// query language's dates (index.Period) in loc: since from the start of
// its value, until to its end. A range (A..B) sets the bounds it names,
// whichever flag carries it.
func timeFilter(f *audit.Filter, since, until string, now time.Time, loc *time.Location) error {
	for _, b := range []struct{ flag, v string }{{"since", since}, {"until", until}} {
		if b.v == "" {
			continue
		}
		from, to, err := index.Period(b.v, now, loc)
		if err != nil {
			return usageError("audit show: --%s %s: %v", b.flag, b.v, err)
		}
		isRange := strings.Contains(b.v, "..")
		if b.flag == "since" && !isRange || isRange && !from.IsZero() {
			f.Since = from
		}
		if b.flag == "until" && !isRange || isRange && !to.IsZero() {
			f.Until = to
		}
	}
	return nil
}
