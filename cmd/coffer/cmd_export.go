package main

import (
	"bufio"
	"coffer/vault/audit"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"coffer/vault"
)

func exportCommand() *command {
	return &command{
		name:    "export",
		args:    "DIR",
		summary: "write the whole vault as JSONL (plaintext: you choose where it goes)",
		help: `
Writes every message, attachments included, in the JSONL import format, so
'coffer import' of the output into another vault round-trips. The output is
plaintext: prefer piping it into another tool (or 'age -r') to a file.

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
				a, err := u.open(e, args[0])
				if err != nil {
					return err
				}
				defer a.close()
				v := a.v
				target := out
				if target == "" {
					target = "standard output"
				}
				if err := a.record(audit.Event{Action: audit.ActionExport, Target: target, Count: len(v.Messages())}); err != nil {
					return err
				}
				var w io.Writer = e.stdout
				if out != "" {
					f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				bw := bufio.NewWriterSize(w, 1<<20)
				enc := json.NewEncoder(bw)
				enc.SetEscapeHTML(false)
				for _, m := range v.Messages() {
					c := *m
					c.Attachments = append([]vault.Attachment(nil), m.Attachments...)
					for i := range c.Attachments {
						a := &c.Attachments[i]
						if a.Ref.Blob == "" {
							continue
						}
						if a.Content, err = v.Attachment(a); err != nil {
							return err
						}
					}
					if err := enc.Encode(&c); err != nil {
						return err
					}
				}
				if err := bw.Flush(); err != nil {
					return err
				}
				if out != "" {
					fmt.Fprintf(e.stderr, "Exported %d messages to %s.\n", len(v.Messages()), out)
				}
				return nil
			}
		},
	}
}
