package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"coffer/index"
	"coffer/ui/session"
	"coffer/vault"
	"coffer/vault/audit"
	"coffer/vault/ingest"
)

func importCommand() *command {
	return &command{
		name:    "import",
		args:    "DIR FILE...",
		summary: "encrypt exports into the vault (email, WhatsApp, Telegram, Signal, Slack, JSONL)",
		help: `
The format of each FILE (a file, a zip or a folder) is detected from its
content; --format forces one. An import is atomic: all of its messages
land, or none. Messages the vault already holds are skipped, so importing
the same export twice adds nothing.

With --ingest-key the import needs no vault secret: a capture host can
append to a vault it cannot read.

Examples:
  coffer import case-2291 "WhatsApp Chat with Ann.zip" inbox.mbox
  coffer import case-2291 result.json --identity me.key
  coffer import case-2291 chat.txt --format whatsapp --timezone Europe/Berlin
  coffer import case-2291 messages.jsonl --ingest-key capture.key`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u                     unlockFlags
				format, ingestKey, tz string
				lenient               bool
			)
			u.register(fs)
			fs.StringVar(&format, "format", "", "force the export `FORMAT` ("+formatNames()+")")
			fs.StringVar(&ingestKey, "ingest-key", "", "append with the ingest key in `FILE` (no unlock)")
			fs.BoolVar(&lenient, "lenient", false, "skip unparseable records (each reported) instead of failing")
			fs.StringVar(&tz, "timezone", "Local", "IANA `ZONE` for exports whose times carry no offset")
			return func(e *env, args []string) error {
				if err := needArgs("import", args, 2, -1); err != nil {
					return err
				}
				dir, files := args[0], args[1:]
				loc, err := time.LoadLocation(tz)
				if err != nil {
					return usageError("import: --timezone %q: %v", tz, err)
				}
				formats := make([]ingest.Format, len(files))
				for i, f := range files {
					if _, err := os.Stat(f); err != nil {
						return err
					}
					if format != "" {
						ff, ok := ingest.Lookup(format)
						if !ok {
							return usageError("import: unknown --format %q (known: %s)", format, formatNames())
						}
						formats[i] = ff
						continue
					}
					if formats[i], err = ingest.Detect(f); err != nil {
						return withHint(err, "name the format with --format ("+formatNames()+")")
					}
				}
				var (
					a   *vault.Appender
					log *audit.Log
					acc *access // nil for an ingest-key import
				)
				if ingestKey != "" {
					data, err := os.ReadFile(ingestKey)
					if err != nil {
						return err
					}
					m, err := vault.ReadManifest(dir)
					if err != nil {
						return err
					}
					if log, err = session.OpenLog(dir, m); err != nil {
						return withHint(err, "coffer records every import before it writes, and could not")
					}
					defer log.Close(audit.LockExit)
					if err := log.SetActor(audit.Actor{Member: "ingest key " + vault.IngestKeyName(data)}); err != nil {
						return err
					}
					if a, err = vault.OpenIngest(dir, data, e.now()); err != nil {
						return err
					}
				} else {
					if acc, err = u.open(e, dir); err != nil {
						return err
					}
					defer acc.close()
					log = acc.log
					if a, err = acc.v.NewAppender(); err != nil {
						return err
					}
				}
				// The importer sees the plaintext anyway: it builds the search
				// index of each segment now, so unlock need not.
				a.SetIndexer(index.Sidecar)
				// Write-ahead: the trail names the import before the vault
				// changes, and the import record names that event.
				link, err := log.Announce(audit.Event{Action: audit.ActionImport, Target: strings.Join(baseNames(files), ", ")})
				if err != nil {
					a.Abort()
					return withHint(err, "nothing was imported: coffer writes only once the audit trail has recorded it")
				}
				a.SetAnnouncement(link)
				prog := newProgress(e, len(files))
				for i, f := range files {
					if err := importFile(e, a, f, formats[i], loc, lenient, prog); err != nil {
						a.Abort()
						prog.done()
						return err
					}
					prog.fileDone()
				}
				st, err := a.Commit()
				prog.done()
				if err != nil {
					return err
				}
				log.Append(audit.Event{Action: audit.ActionImport, Reason: "committed", Count: st.Added})
				fmt.Fprintf(e.stdout, "Imported %s in %s from %s (%d already in the vault).\n",
					plural(st.Added, "new message"), plural(st.Conversations, "conversation"), plural(len(files), "file"), st.Duplicates)
				if acc != nil {
					// A member can read the vault: keep its search indexes few.
					cst, err := compactIndex(acc, vault.AutoCompactUnits)
					if err != nil {
						return withHint(err, "the import itself is committed; run coffer compact later")
					}
					if cst.Written > 0 {
						fmt.Fprintln(e.stdout, compactSummary(cst))
					}
				}
				return nil
			}
		},
	}
}

func importFile(e *env, a *vault.Appender, path string, f ingest.Format, loc *time.Location, lenient bool, prog *progress) error {
	opt := ingest.Options{Location: loc, Lenient: lenient, Now: e.now()}
	skipped := 0
	if lenient {
		// A first pass counts the records that will be skipped, so that
		// every message of the file can carry the count in its provenance.
		opt.Skip = func(*ingest.Error) { skipped++ }
		if err := f.Parse(path, opt, func(*vault.Message) error { return nil }); err != nil {
			return err
		}
		opt.Skip = func(err *ingest.Error) {
			prog.clear()
			fmt.Fprintf(e.stderr, "coffer: warning: skipped %s\n", oneLine(err.Error()))
		}
	}
	return f.Parse(path, opt, func(m *vault.Message) error {
		m.Provenance.Skipped = skipped
		if _, err := a.Add(m); err != nil {
			if errors.Is(err, vault.ErrInvalidMessage) {
				return &ingest.Error{File: filepath.Base(path), Pos: m.Provenance.Position, Err: err}
			}
			return err
		}
		prog.message()
		return nil
	})
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

func formatNames() string {
	var names []string
	for _, f := range ingest.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
