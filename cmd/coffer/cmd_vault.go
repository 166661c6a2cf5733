package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"coffer/vault"
	"coffer/vault/audit"
)

func compactCommand() *command {
	return &command{
		name:    "compact",
		args:    "DIR",
		summary: "merge the search indexes of many small imports (after unlock)",
		help: `
Every import stores the search index of what it added, so that unlock
need not index it again. A vault fed by many small imports (a capture
host appending every few minutes with an ingest key) collects many small
indexes, and searches slow down with their number. compact rebuilds runs
of small ones, and segments imported without one, into indexes of about
100,000 messages. Imports by members do this on their own once 8 small
ones have piled up; ingest keys cannot, as they cannot read the vault.

Examples:
  coffer compact case-2291`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var u unlockFlags
			u.register(fs)
			return func(e *env, args []string) error {
				if err := needArgs("compact", args, 1, 1); err != nil {
					return err
				}
				s, err := u.open(e, args[0])
				if err != nil {
					return err
				}
				defer s.close()
				st, err := s.Compact(1)
				if err != nil {
					return err
				}
				if st.Written == 0 {
					fmt.Fprintln(e.stdout, "Nothing to compact: no run of small search indexes.")
					return nil
				}
				fmt.Fprintf(e.stdout, "%s\n", compactSummary(st))
				return nil
			}
		},
	}
}

func compactSummary(st vault.CompactStats) string {
	indexes := func(n int) string {
		if n == 1 {
			return "1 search index"
		}
		return fmt.Sprintf("%d search indexes", n)
	}
	what := indexes(st.Replaced)
	if st.Indexed > 0 {
		what += " and " + plural(st.Indexed, "segment") + " without one"
	}
	return fmt.Sprintf("Merged %s into %s (%s).", what, indexes(st.Written), plural(st.Messages, "message"))
}

func statsCommand() *command {
	return &command{
		name:    "stats",
		args:    "DIR",
		summary: "count messages per source and conversation (after unlock)",
		help: `
Examples:
  coffer stats case-2291
  coffer stats case-2291 --identity me.key --json`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var u unlockFlags
			var asJSON bool
			u.register(fs)
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			return func(e *env, args []string) error {
				if err := needArgs("stats", args, 1, 1); err != nil {
					return err
				}
				s, err := u.openCatalog(e, args[0])
				if err != nil {
					return err
				}
				defer s.close()
				// Titles and counts are content: recorded before printed.
				st, err := s.Stats("stats")
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(e.stdout.JSON())
					enc.SetIndent("", "  ")
					return enc.Encode(st)
				}
				m := s.Manifest()
				member, method := s.Member()
				fmt.Fprintf(e.stdout, "Vault %q: %d messages, %d conversations, %d imports (unlocked by %s, %s).\n",
					oneLine(m.Name), st.Messages, len(st.Conversations), m.Imports, oneLine(member), method)
				src := newTable("SOURCE", "MESSAGES")
				for _, s := range st.Sources {
					src.row(s.Name, strconv.Itoa(s.Count))
				}
				conv := newTable("CONVERSATION", "SOURCE", "MESSAGES")
				for _, c := range st.Conversations {
					title := c.Title
					if title == "" {
						title = c.ID
					}
					conv.row(truncateWidth(oneLine(title), 60), c.Source, strconv.Itoa(c.Count))
				}
				fmt.Fprintln(e.stdout)
				src.write(e.stdout)
				fmt.Fprintln(e.stdout)
				return conv.write(e.stdout)
			}
		},
	}
}

func verifyCommand() *command {
	return &command{
		name:    "verify",
		args:    "DIR",
		summary: "check every vault file's signature and hash, without unlocking",
		help: `
Checks the manifest's signed chain, that it is not older than what this
machine saw before, and the size and SHA-256 of every file it names; lists
files it does not name. Prints no content. Exit status 0 when the vault is
intact, 1 when anything was tampered with (each file named).

Examples:
  coffer verify case-2291`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			return func(e *env, args []string) error {
				if err := needArgs("verify", args, 1, 1); err != nil {
					return err
				}
				rep, err := vault.Verify(args[0])
				if err != nil {
					return err
				}
				for _, n := range rep.Notes {
					fmt.Fprintf(e.stderr, "coffer: note: %s\n", oneLine(n.String()))
				}
				for _, p := range rep.Problems {
					fmt.Fprintf(e.stderr, "coffer: tampered: %s\n", oneLine(p.Error()))
				}
				for _, u := range rep.Unknown {
					fmt.Fprintf(e.stderr, "coffer: unknown: %s\n", oneLine(u.Error()))
				}
				if r := rep.Retention; r != nil {
					fmt.Fprintf(e.stdout, "Object storage: %s.\n", r)
					if rep.Unretained() {
						for _, name := range r.Unlocked {
							fmt.Fprintf(e.stderr, "coffer: not retained: %s: no Object Lock retain-until date in the future\n", oneLine(name))
						}
					}
				}
				m := rep.Manifest
				switch {
				case len(rep.Problems) > 0:
					return &cliError{err: fmt.Errorf("vault %s: %d of %d files failed verification", args[0], len(rep.Problems), rep.Files),
						hint: "restore the named files from a backup; coffer shows nothing from a failed file", code: exitFailure}
				case len(rep.Unknown) > 0:
					return &cliError{err: fmt.Errorf("vault %s: %d files verified, and %s the manifest does not name", args[0], rep.Files, plural(len(rep.Unknown), "file")),
						hint: "coffer never reads them; find out who put them there, then remove them", code: exitFailure}
				case rep.Unretained():
					return &cliError{err: fmt.Errorf("vault %s: %d files verified, and %s without the retention the bucket's rule (%s) requires", args[0], rep.Files, plural(len(rep.Retention.Unlocked), "object"), rep.Retention.Rule),
						hint: "the storage would let them be deleted: set their retention (aws s3api put-object-retention), and check who wrote them", code: exitFailure}
				}
				fmt.Fprintf(e.stdout, "Vault %q is intact: manifest of %d signed records, %d files verified.\n", oneLine(m.Name), m.Seq()+1, rep.Files)
				return nil
			}
		},
	}
}

func memberCommand() *command {
	return &command{
		name:    "member",
		args:    "add|remove|list DIR [MEMBER]",
		summary: "list, add or remove the members who can unlock the vault",
		help: `
Adding a member wraps every vault secret to them: they read the whole
vault, past and future. Removing a member rotates the vault secret: they
cannot read anything imported afterwards, but keep what they could already
read. Listing needs no unlock.

Examples:
  coffer member list case-2291
  coffer member add case-2291 --recipient age1pq1... --name alice
  coffer member add case-2291 --passphrase --name bob
  coffer member add case-2291 --identity-out carol.key --name carol
  coffer member remove case-2291 alice`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u                      unlockFlags
				recipient, name, idOut string
				withPassphrase         bool
			)
			u.register(fs)
			fs.StringVar(&recipient, "recipient", "", "add: the new member's recipient `R`")
			fs.BoolVar(&withPassphrase, "passphrase", false, "add: a passphrase member (asked twice)")
			fs.StringVar(&idOut, "identity-out", "", "add: generate the new member's key into `FILE`")
			fs.StringVar(&name, "name", "", "add: the new member's `NAME`")
			return func(e *env, args []string) error {
				if err := needArgs("member", args, 2, 3); err != nil {
					return err
				}
				op, dir := args[0], args[1]
				switch op {
				case "list":
					m, err := vault.ReadManifest(dir)
					if err != nil {
						return err
					}
					tb := newTable("ROLE", "ID", "NAME", "KIND", "FINGERPRINT", "STATUS")
					for _, mem := range m.Members {
						status := "active"
						if mem.Removed {
							status = "removed"
						}
						tb.row("member", mem.ID, mem.Name, mem.Kind, vault.Fingerprint(mem.Recipient), status)
					}
					for _, a := range m.Auditors {
						tb.row("auditor", "-", a.Name, "-", vault.Fingerprint(a.Recipient), "active")
					}
					for _, k := range m.IngestKeys {
						status := "active"
						if k.Removed {
							status = "revoked"
						}
						tb.row("ingest", k.ID, k.Name, "ed25519", "-", status)
					}
					return tb.write(e.stdout)
				case "add":
					if needArgs("member add", args, 2, 2) != nil {
						return usageError("member add takes DIR and flags")
					}
					n := 0
					for _, set := range []bool{recipient != "", withPassphrase, idOut != ""} {
						if set {
							n++
						}
					}
					if n != 1 {
						return usageError("member add: give exactly one of --recipient, --passphrase, --identity-out")
					}
					s, err := u.unlock(e, dir)
					if err != nil {
						return err
					}
					defer s.close()
					pass := ""
					if withPassphrase {
						if pass, err = newPassphrase(e); err != nil {
							return err
						}
					}
					if idOut != "" {
						if recipient, err = writeIdentity("identity-out", idOut, "member key for vault "+dir, e.now()); err != nil {
							return err
						}
					}
					mem, err := s.AddMember(name, pass, recipient)
					if err != nil {
						if idOut != "" {
							os.Remove(idOut)
						}
						return err
					}
					fmt.Fprintf(e.stdout, "Added member %s (%s, id %s).\n", oneLine(mem.Name), mem.Kind, mem.ID)
					return nil
				case "remove":
					if len(args) != 3 {
						return usageError("member remove: name the member: coffer member remove DIR MEMBER")
					}
					s, err := u.unlock(e, dir)
					if err != nil {
						return err
					}
					defer s.close()
					mem, err := s.RemoveMember(args[2])
					if err != nil && strings.Contains(err.Error(), "no member ") {
						return withHint(err, "'coffer member list "+dir+"' lists the members by id and name")
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Removed member %s and rotated the vault secret (now epoch %d).\n", oneLine(mem.Name), s.Manifest().Epoch)
					fmt.Fprintf(e.stdout, "They can still read what was imported before; nothing imported from now on.\n")
					return nil
				}
				return usageHint(didYouMean(op, []string{"add", "remove", "list"}, quote),
					"member: unknown operation %q (add, remove or list)", op)
			}
		},
	}
}

func ingestKeyCommand() *command {
	return &command{
		name:    "ingest-key",
		args:    "DIR",
		summary: "make (or revoke) a key that appends to the vault without reading it",
		help: `
An ingest key goes on a capture host: 'coffer import --ingest-key FILE'
appends signed segments encrypted to the vault, and the key can decrypt
nothing. Revoke it when the host is retired or compromised.

Examples:
  coffer ingest-key case-2291 --name mail-gateway -o gateway.key
  coffer ingest-key case-2291 --revoke mail-gateway`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u                 unlockFlags
				name, out, revoke string
			)
			u.register(fs)
			fs.StringVar(&name, "name", "", "the key's `NAME`")
			fs.StringVar(&out, "o", "", "write the key to `FILE` (default: standard output)")
			fs.StringVar(&revoke, "revoke", "", "revoke the ingest key with this `ID` or name")
			return func(e *env, args []string) error {
				if err := needArgs("ingest-key", args, 1, 1); err != nil {
					return err
				}
				s, err := u.unlock(e, args[0])
				if err != nil {
					return err
				}
				defer s.close()
				if revoke != "" {
					if err := s.RevokeIngestKey(revoke); err != nil && strings.Contains(err.Error(), "no ingest key ") {
						return withHint(err, "'coffer member list "+args[0]+"' lists the ingest keys by id and name")
					} else if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "Revoked ingest key %s.\n", oneLine(revoke))
					return nil
				}
				if out != "" {
					// Refuse to overwrite before anything is authorised.
					if _, err := os.Stat(out); err == nil {
						return flagFile("o", out, os.ErrExist, "coffer does not overwrite a key: choose another name")
					}
				}
				data, k, err := s.NewIngestKey(name)
				if err != nil {
					return err
				}
				if out == "" {
					_, err = e.stdout.Write(data)
					return err
				}
				if err := os.WriteFile(out, data, 0o600); err != nil {
					return flagFile("o", out, err, "")
				}
				fmt.Fprintf(e.stdout, "Wrote ingest key %s (id %s) to %s.\n", oneLine(k.Name), k.ID, out)
				return nil
			}
		},
	}
}

func holdCommand() *command {
	return &command{
		name:    "hold",
		args:    "on|off DIR",
		summary: "put or lift a legal hold on every object of a vault on object storage",
		help: `
An Object Lock legal hold keeps every object of the vault (segments,
attachments, indexes, manifest, key files, audit trail) from deletion and
overwrite, past any retention date, until it is lifted. It needs a
bucket created with Object Lock and the s3:PutObjectLegalHold permission.
Objects written after the hold is put are not held: run it again after
imports for as long as the matter is on hold.

Examples:
  coffer hold on s3://matters/case-2291
  coffer hold off s3://matters/case-2291`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			return func(e *env, args []string) error {
				if err := needArgs("hold", args, 2, 2); err != nil {
					return err
				}
				var on bool
				switch args[0] {
				case "on":
					on = true
				case "off":
				default:
					return usageError("hold: first argument is on or off, not %q", args[0])
				}
				n, err := vault.SetLegalHold(args[1], on)
				if err != nil {
					return err
				}
				if on {
					fmt.Fprintf(e.stdout, "Legal hold on %s: %s held.\n", oneLine(args[1]), plural(n, "object"))
				} else {
					fmt.Fprintf(e.stdout, "Legal hold lifted from %s on %s.\n", plural(n, "object"), oneLine(args[1]))
				}
				return nil
			}
		},
	}
}

func vaultCommand() *command {
	return &command{
		name:    "vault",
		args:    "copy SRC DST",
		summary: "copy a vault between a folder and object storage, verifying every file",
		help: `
Copies the vault at SRC to DST, each a folder or s3://BUCKET/PREFIX (DST
must be empty): every file the manifest names, each checked against its
SHA-256 as it is read, then the audit trail record by record, then the
manifest last, so that DST is a vault only once it is whole; then
verifies DST as coffer verify does. Nothing is decrypted and no key is
needed. On a bucket with an Object Lock rule every object gets its
retention. Files the manifest does not name stay behind.

Examples:
  coffer vault copy case-2291 s3://matters/case-2291
  coffer vault copy s3://matters/case-2291 ./case-2291-copy`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			return func(e *env, args []string) error {
				if err := needArgs("vault", args, 3, 3); err != nil {
					return err
				}
				if args[0] != "copy" {
					return usageError("vault: unknown subcommand %q (want copy)", args[0])
				}
				st, err := vault.Copy(args[1], args[2], audit.CopyLogs)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Copied %s (%.1f MB) and %s of audit trail from %s to %s; the copy verifies.\n",
					plural(st.Files, "file"), float64(st.Bytes)/1e6, plural(st.AuditLogs, "session file"), oneLine(args[1]), oneLine(args[2]))
				return nil
			}
		},
	}
}
