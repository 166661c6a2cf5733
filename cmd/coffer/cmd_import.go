package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/ingest"
)

func importCommand() *command {
	return &command{
		name:    "import",
		args:    "DIR FILE...",
		summary: "encrypt exports into the vault (email, WhatsApp, Telegram, Signal, Slack, SMS, Discord, iMessage, JSONL)",
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
  coffer import case-2291 ~/Library/Messages/chat.db
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
				if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
					debug.SetMemoryLimit(vault.ImportMemoryLimit)
				}
				if _, set := os.LookupEnv("GOGC"); !set {
					debug.SetGCPercent(vault.ImportGCPercent)
				}
				var err error
				loc := ingest.LocalZone() // its IANA name, for provenance
				if tz != "Local" {
					if loc, err = time.LoadLocation(tz); err != nil {
						return usageError("import: --timezone %q: %v", tz, err)
					}
				}
				formats := make([]ingest.Format, len(files))
				for i, f := range files {
					if _, err := os.Stat(f); err != nil {
						return &fileError{path: f, err: err}
					}
					if format != "" {
						ff, ok := ingest.Lookup(format)
						if !ok {
							return usageHint(didYouMean(format, strings.Split(formatNames(), ", "), quote),
								"import: unknown --format %q (known: %s)", format, formatNames())
						}
						formats[i] = ff
						continue
					}
					if formats[i], err = ingest.Detect(f); errors.Is(err, ingest.ErrUnknownFormat) {
						return withHint(err, "name the format with --format ("+formatNames()+")")
					} else if err != nil {
						return err // a zip bomb, a line too long: no format would read it
					}
				}
				var (
					im *access.Import
					s  *session // nil for an ingest-key import
				)
				if ingestKey != "" {
					data, err := os.ReadFile(ingestKey)
					if err != nil {
						return flagFile("ingest-key", ingestKey, err, "give the file 'coffer ingest-key -o FILE' wrote")
					}
					if im, err = access.OpenIngest(dir, data, engine(), files, e.now()); err != nil {
						if errors.Is(err, access.ErrNotRecorded) {
							return withHint(err, "nothing was imported: coffer writes only once the audit trail has recorded it")
						}
						return err
					}
				} else {
					if s, err = u.open(e, dir); err != nil {
						return err
					}
					defer s.close()
					if im, err = s.Import(files); err != nil {
						if errors.Is(err, access.ErrNotRecorded) {
							return withHint(err, "nothing was imported: coffer writes only once the audit trail has recorded it")
						}
						return err
					}
				}
				prog := newProgress(e, files)
				undated := 0
				for i, f := range files {
					if err := importFile(e, im, f, formats[i], loc, lenient, prog, &undated); err != nil {
						prog.done()
						return errors.Join(err, im.Abort(oneLine(err.Error())))
					}
					prog.fileDone()
				}
				st, err := im.Commit()
				prog.done()
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Imported %s in %s from %s (%d already in the vault).\n",
					plural(st.Added, "new message"), plural(st.Conversations, "conversation"), plural(len(files), "file"), st.Duplicates)
				if undated > 0 {
					fmt.Fprintf(e.stdout, "%s with no date (kept, findable with date:unknown).\n", plural(undated, "message"))
				}
				if s != nil {
					// A member can read the vault: keep its search indexes few.
					cst, err := s.Compact(vault.AutoCompactUnits)
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

// importFile adds the messages of one file, counting in undated those
// added without any time, which the summary names.
func importFile(e *env, im *access.Import, path string, f ingest.Format, loc *time.Location, lenient bool, prog *progress, undated *int) error {
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
	opt.Meter = prog.meter // the second pass, if lenient: the one that stores
	return f.Parse(path, opt, func(m *vault.Message) error {
		m.Provenance.Skipped = skipped
		added, err := im.Add(m)
		if err != nil {
			if errors.Is(err, vault.ErrInvalidMessage) {
				return &ingest.Error{File: filepath.Base(path), Pos: m.Provenance.Position, Err: err}
			}
			return err
		}
		if added && m.Provenance.TimeSource == vault.TimeUnknown {
			*undated++
		}
		prog.message()
		return nil
	})
}

func formatNames() string {
	var names []string
	for _, f := range ingest.Formats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// plural counts what: "1 file", "2 files", "3 matches".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "ch") || strings.HasSuffix(what, "s") || strings.HasSuffix(what, "x") {
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
