package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"coffer/vault"
)

func savedCommand() *command {
	return &command{
		name:    "saved",
		args:    "DIR list | add NAME QUERY... | rm NAME",
		summary: "list, add and remove the vault's saved searches (shared by all members)",
		help: `
A saved search is a named query, stored encrypted in the vault like tags
and shared by every member. 'add' checks that the query parses and that
no saved search has the name; names are 1 to 64 characters without
spaces. A query with a word that starts with "-" goes after "--", so
that it is not taken for a flag. Adding and removing one are recorded in the audit trail (with the
name and the query) before the vault changes; listing them shows no
message and records nothing beyond the unlock.

Run one with 'coffer search DIR --saved NAME' (recorded as the search it
runs), or from 'coffer review' (S lists them).

Examples:
  coffer saved case-2291 add block-sale 'from:marcus "block sale"'
  coffer saved case-2291 add unreviewed -- -tag:reviewed has:attachment
  coffer saved case-2291 list
  coffer saved case-2291 rm block-sale`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var u unlockFlags
			u.register(fs)
			return func(e *env, args []string) error {
				if len(args) < 2 {
					return usageError("saved: missing arguments: want DIR list, DIR add NAME QUERY or DIR rm NAME")
				}
				dir, verb, rest := args[0], args[1], args[2:]
				switch verb {
				case "list", "ls":
					if len(rest) > 0 {
						return usageError("saved list: too many arguments: %s", oneLine(strings.Join(rest, " ")))
					}
				case "add":
					switch {
					case len(rest) == 0:
						return usageError("saved add: missing NAME and QUERY")
					case len(rest) == 1 || strings.TrimSpace(strings.Join(rest[1:], " ")) == "":
						return usageError("saved add %s: missing QUERY", oneLine(rest[0]))
					}
					if err := vault.ValidSavedName(rest[0]); err != nil {
						return usageError("saved add: NAME: %v", err)
					}
				case "rm", "remove":
					if len(rest) != 1 {
						return usageError("saved rm: want one NAME, got %d arguments", len(rest))
					}
				default:
					return usageError("saved: %q: want list, add or rm", oneLine(verb))
				}
				s, err := u.unlock(e, dir)
				if err != nil {
					return err
				}
				defer s.close()
				switch verb {
				case "add":
					query := strings.TrimSpace(strings.Join(rest[1:], " "))
					if err := s.SaveSearch(rest[0], query); err != nil {
						if errors.Is(err, vault.ErrSavedExists) {
							return withHint(err, fmt.Sprintf("choose another name, or remove the old one first: coffer saved %s rm %s", oneLine(dir), oneLine(rest[0])))
						}
						return queryError(err, query)
					}
					fmt.Fprintf(e.stdout, "saved %s: %s\n", oneLine(rest[0]), oneLine(query))
				case "rm", "remove":
					if err := s.RemoveSearch(rest[0]); err != nil {
						if errors.Is(err, vault.ErrNoSaved) {
							return withHint(err, fmt.Sprintf("'coffer saved %s list' lists them", oneLine(dir)))
						}
						return err
					}
					fmt.Fprintf(e.stdout, "removed %s\n", oneLine(rest[0]))
				default:
					ss, err := s.SavedSearches()
					if err != nil {
						return err
					}
					if len(ss) == 0 {
						fmt.Fprintf(e.stdout, "No saved searches: add one with 'coffer saved %s add NAME QUERY'.\n", oneLine(dir))
						return e.stdout.Err()
					}
					tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "NAME\tQUERY\tSAVED BY\tON")
					for _, x := range ss {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", oneLine(x.Name), truncateWidth(oneLine(x.Query), 80),
							truncateWidth(oneLine(x.Actor), 24), x.Time.Local().Format("2006-01-02 15:04"))
					}
					if err := tw.Flush(); err != nil {
						return err
					}
				}
				return e.stdout.Err()
			}
		},
	}
}

// searchArgs is search's vault and query: DIR QUERY..., or DIR alone
// with --saved NAME.
func searchArgs(args []string, saved string) (dir, query string, err error) {
	if saved == "" {
		if err := needArgs("search", args, 2, -1); err != nil {
			return "", "", err
		}
		return args[0], strings.Join(args[1:], " "), nil
	}
	if err := needArgs("search", args, 1, 1); err != nil {
		return "", "", withHint(err, "--saved NAME runs the saved query; it takes no QUERY")
	}
	return args[0], "", nil
}
