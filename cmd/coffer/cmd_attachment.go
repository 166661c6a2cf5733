package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"

	"coffer/vault/access"
)

func attachmentCommand() *command {
	return &command{
		name:    "attachment",
		args:    "DIR MESSAGE-ID [NAME]",
		summary: "list a message's attachments, save one to a file or pipe it to a command",
		help: `
With MESSAGE-ID only, lists the message's attachments: number, name, type,
size and SHA-256 (recorded as a view of the message). With NAME (a name as
listed, or #N for the N-th when two share a name), writes that attachment
to FILE (-o) or hands it to a command's standard input (--pipe, run by
/bin/sh; its output is shown as text). Both are recorded in the audit trail
before they happen, with the attachment's SHA-256 and the path or the
command line. The file is plaintext where you named it and nowhere else;
a command you pipe to receives plaintext and may keep it.

Examples:
  coffer attachment case-2291 4f1c0e…
  coffer attachment case-2291 4f1c0e… q3.csv -o ~/review/q3.csv
  coffer attachment case-2291 4f1c0e… q3.csv --pipe 'wc -l'
  coffer attachment case-2291 4f1c0e… '#2' --pipe 'age -r age1… > q3.csv.age'`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u         unlockFlags
				out, pipe string
				force     bool
			)
			u.register(fs)
			fs.StringVar(&out, "o", "", "write the attachment to `FILE` (plaintext)")
			fs.StringVar(&pipe, "pipe", "", "run `CMD` with the attachment on its standard input")
			fs.BoolVar(&force, "force", false, "with -o, replace FILE if it exists")
			return func(e *env, args []string) error {
				if err := needArgs("attachment", args, 2, 3); err != nil {
					return err
				}
				switch {
				case len(args) == 2 && (out != "" || pipe != ""):
					return usageError("attachment: -o and --pipe need the attachment's NAME after MESSAGE-ID")
				case len(args) == 3 && out == "" && pipe == "":
					return usageError("attachment: NAME %q: say where it goes: -o FILE or --pipe CMD", oneLine(args[2]))
				case out != "" && pipe != "":
					return usageError("attachment: -o and --pipe: give one")
				case force && out == "":
					return usageError("attachment: --force only applies to -o FILE")
				case pipe != "" && strings.TrimSpace(pipe) == "":
					return usageError("attachment: --pipe: empty command")
				}
				s, err := u.open(e, args[0])
				if err != nil {
					return err
				}
				defer s.close()
				id := args[1]
				if len(args) == 2 {
					return listAttachments(e, s, id)
				}
				which := args[2]
				if out != "" {
					n, sum, err := s.SaveAttachment(id, which, out, force)
					if errors.Is(err, access.ErrExists) {
						return &cliError{err: fmt.Errorf("attachment: -o %s: the file exists; nothing was written", out), code: exitFailure,
							hint: "choose another name, or pass --force to replace it"}
					}
					if err != nil {
						return attachmentError(err, id, which)
					}
					fmt.Fprintf(e.stderr, "Saved %s (%s, SHA-256 %s) to %s.\n", oneLine(which), plural(int(n), "byte"), sum, oneLine(out))
					return nil
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
				defer stop()
				// The command's output is the attachment's, transformed:
				// untrusted, so it goes through the sanitizing writers.
				return attachmentError(s.PipeAttachment(ctx, id, which, pipe, e.stdout, e.stderr), id, which)
			}
		},
	}
}

// attachmentError names the argument at fault in the access layer's
// errors: the message id or the attachment's name.
func attachmentError(err error, id, which string) error {
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "access: ")
	switch {
	case strings.HasPrefix(msg, "no message "):
		return &cliError{err: fmt.Errorf("attachment: MESSAGE-ID %q: no such message in the vault", oneLine(id)), code: exitFailure,
			hint: "ids are the 32-hex-digit ids 'coffer search DIR QUERY --json' prints"}
	case strings.Contains(msg, "has no attachment") || strings.Contains(msg, "attachments, not"):
		return &cliError{err: fmt.Errorf("attachment: NAME %q: %s", oneLine(which), msg), code: exitFailure,
			hint: "list them with 'coffer attachment DIR MESSAGE-ID'"}
	case strings.Contains(msg, "was not included in the export"):
		return fmt.Errorf("attachment: NAME %q: %s", oneLine(which), msg)
	}
	return &trimmedError{msg: "attachment: " + msg, err: err}
}

// trimmedError is err said another way, still matching it (errors.As
// finds a vault.TamperError through it, for report's hint).
type trimmedError struct {
	msg string
	err error
}

func (e *trimmedError) Error() string { return e.msg }
func (e *trimmedError) Unwrap() error { return e.err }

// listAttachments prints message id's attachments, one a line, after the
// detail view of the message is recorded.
func listAttachments(e *env, s *session, id string) error {
	m, err := s.Detail(id)
	if err != nil {
		return attachmentError(err, id, "")
	}
	if len(m.Attachments) == 0 {
		fmt.Fprintf(e.stdout, "Message %s has no attachments.\n", id)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tNAME\tTYPE\tSIZE\tSHA-256")
	for i, a := range m.Attachments {
		typ := a.Type
		if typ == "" {
			typ = "-"
		}
		size, sum := strconv.FormatInt(a.Size, 10), a.SHA256
		if a.Missing || a.Ref.Blob == "" {
			sum = "(not in the export)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i+1, oneLine(a.Name), oneLine(typ), size, sum)
	}
	return tw.Flush()
}
