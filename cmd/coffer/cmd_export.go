package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"coffer/ui/sanitize"
)

func exportCommand() *command {
	return &command{
		name:    "export",
		args:    "DIR",
		summary: "write the whole vault as JSONL (plaintext: you choose where it goes)",
		help: `
Writes every message, attachments included, in the JSONL import format, so
'coffer import' of the output into another vault round-trips. The output is
plaintext: prefer piping it into another tool (or 'age -r') to a file. It
refuses to write to a terminal. Characters that could act on a terminal
(escapes, controls, bidi overrides) are written as \u escapes, which mean
the same to any JSON reader.

Examples:
  coffer export case-2291 --format jsonl | age -r age1... > case-2291.jsonl.age
  coffer export case-2291 -o case-2291.jsonl`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u           unlockFlags
				format, out string
			)
			u.register(fs)
			fs.StringVar(&format, "format", "jsonl", "output `FORMAT` (jsonl)")
			fs.StringVar(&out, "o", "", "write to `FILE` instead of standard output")
			return func(e *env, args []string) error {
				if err := needArgs("export", args, 1, 1); err != nil {
					return err
				}
				if format != "jsonl" {
					return usageError("export: unknown --format %q (jsonl)", format)
				}
				if out == "" && e.stdout.Terminal() {
					return &cliError{err: errors.New("export: refusing to write the whole vault as plaintext to a terminal"), code: exitUsage,
						hint: "redirect it (coffer export DIR > FILE), pipe it (| age -r RECIPIENT > FILE.age), or use -o FILE"}
				}
				s, err := u.open(e, args[0])
				if err != nil {
					return err
				}
				defer s.close()
				// JSON lines, escaped so that the output is safe on a
				// terminal and still exact (sanitize.Writer.JSON).
				if out == "" {
					_, err := s.Export(e.stdout.JSON(), "standard output")
					return err
				}
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if errors.Is(err, os.ErrExist) {
					return flagFile("o", out, err, "coffer does not overwrite a file: choose another name")
				}
				if err != nil {
					return flagFile("o", out, err, "")
				}
				n, err := s.Export(sanitize.NewWriter(f, false, false).JSON(), out)
				if err == nil {
					err = f.Sync()
				}
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "Exported %s to %s.\n", plural(n, "message"), out)
				return nil
			}
		},
	}
}
