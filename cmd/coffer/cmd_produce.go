package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
	"coffer/vault/production"
)

func produceCommand() *command {
	return &command{
		name:    "produce",
		args:    "DIR --query QUERY --recipient R -o FILE | verify FILE --identity KEY",
		summary: "hand the messages a query matches to another party, encrypted and signed; verify such a package",
		help: `
Writes one age-encrypted package, to the receiving party's recipients
only, holding every message QUERY matches and its attachments: each email
as EML, each chat message as a transcript line (.txt) and its JSONL
record, each attachment as a file, a load file (loadfile.csv) for review
platforms, and manifest.json listing every file's SHA-256, signed by the
vault (manifest.sig). Each document gets a production number, PREFIX and
a zero-padded sequence that continues across the vault's productions.
The query, the count, the number range, the recipients and every id
released are recorded in the audit trail before the file is written. The
output file must not exist; it appears whole or not at all.

  verify   decrypt FILE with the receiving party's --identity and check
           every file against the manifest and the manifest's signature;
           with --vault-key KEY (printed by 'coffer produce') or
           --vault DIR, also that the vault made it. Exit 1 names each
           bad file. --list prints every file's SHA-256 as sha256sum
           does, for 'sha256sum -c' after unpacking.

Examples:
  coffer produce case-2291 --query 'tag:responsive' --recipient age1... -o PROD-001.age
  coffer produce case-2291 --query 'tag:responsive -tag:privileged' --recipients-file opposing.txt \
      --prefix ACME --digits 7 --custodian "Marcus Webb" -o ACME-PROD-002.age
  coffer produce verify PROD-001.age --identity opposing.key --vault-key 6kpsY+KcU...=
  age -d -i opposing.key PROD-001.age | tar x     # unpack with standard tools`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				u                                  unlockFlags
				recipients                         listFlag
				query, recipientsFile, out, prefix string
				custodian, vaultKey, vaultDir      string
				digits                             int
				list                               bool
			)
			u.register(fs)
			fs.StringVar(&query, "query", "", "produce the messages `QUERY` matches (the search language)")
			fs.Var(&recipients, "recipient", "encrypt to the receiving party's age `RECIPIENT` (age1…, age1pq1…, ssh-…; repeatable)")
			fs.StringVar(&recipientsFile, "recipients-file", "", "encrypt to the recipients listed in `FILE`, one a line")
			fs.StringVar(&out, "o", "", "write the package to `FILE`, which must not exist")
			fs.StringVar(&prefix, "prefix", access.DefaultPrefix, "production number `PREFIX`")
			fs.IntVar(&digits, "digits", access.DefaultDigits, "production numbers have `N` digits after the prefix")
			fs.StringVar(&custodian, "custodian", "", "the load file's CUSTODIAN `NAME` (default: the vault's name)")
			fs.StringVar(&vaultKey, "vault-key", "", "verify: the package must be signed by this vault signing `KEY` (base64)")
			fs.StringVar(&vaultDir, "vault", "", "verify: the package must be signed by the vault in `DIR`")
			fs.BoolVar(&list, "list", false, "verify: list every file's SHA-256 on standard output, as sha256sum does")
			return func(e *env, args []string) error {
				if len(args) > 0 && args[0] == "verify" && !vault.Exists(args[0]) {
					if err := needArgs("produce verify", args[1:], 1, 1); err != nil {
						return err
					}
					return produceVerify(e, args[1], u.identities, vaultKey, vaultDir, list)
				}
				if err := needArgs("produce", args, 1, 1); err != nil {
					return err
				}
				if query == "" {
					return usageError("produce: --query is required (tag:responsive, or * for everything)")
				}
				if out == "" {
					return usageError("produce: -o FILE is required (the package is written to a new file)")
				}
				if recipientsFile != "" {
					rs, err := readRecipients(recipientsFile)
					if err != nil {
						return err
					}
					recipients = append(recipients, rs...)
				}
				if len(recipients) == 0 {
					return usageError("produce: --recipient or --recipients-file is required: the package is encrypted to the receiving party")
				}
				s, err := u.openIndexed(e, args[0])
				if err != nil {
					return err
				}
				defer s.close()
				ctx := context.Background()
				res, err := s.Produce(ctx, access.ProduceRequest{Query: query, Recipients: recipients, Prefix: prefix, Digits: digits,
					Custodian: custodian, Out: out})
				if err != nil {
					var qe *index.QueryError
					if errors.As(err, &qe) {
						return &cliError{err: fmt.Errorf("query: column %d: %s", qe.Col, qe.Msg), code: exitUsage,
							hint: fmt.Sprintf("%s\n%*s^", oneLine(query), qe.Col+len("coffer: hint: ")-1, "")}
					}
					return err
				}
				key := base64.StdEncoding.EncodeToString(res.Key)
				fmt.Fprintf(e.stdout, "Produced %s and %s as %s-%s (%s) to %s: %d bytes, sha256 %s.\n",
					plural(res.Messages, "message"), plural(res.Attachments, "attachment"), res.First, res.Last,
					plural(res.Documents, "document"), out, res.Size, res.SHA256)
				fmt.Fprintf(e.stdout, "Encrypted to %s; signed by vault %s (epoch %d) with key %s\n", plural(len(recipients), "recipient"), res.VaultID, res.Epoch, key)
				fmt.Fprintf(e.stdout, "The receiving party checks it with: coffer produce verify %s --identity KEY --vault-key %s\n", shellQuote(out), key)
				return nil
			}
		},
	}
}

// readRecipients reads a recipients file as age does: one a line, blank
// lines and # comments ignored.
func readRecipients(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no recipients", path)
	}
	return out, nil
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// produceVerify checks a production as its receiver does.
func produceVerify(e *env, file string, identityFiles []string, vaultKey, vaultDir string, list bool) error {
	if len(identityFiles) == 0 {
		return usageError("produce verify: --identity FILE (the receiving party's key) is required")
	}
	var ids []age.Identity
	for _, path := range identityFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		parsed, err := vault.ParseIdentities(data)
		if err != nil {
			return fmt.Errorf("identity %s: %v", path, err)
		}
		ids = append(ids, parsed...)
	}
	var pin production.Pin
	switch {
	case vaultKey != "" && vaultDir != "":
		return usageError("produce verify: --vault-key and --vault are exclusive")
	case vaultKey != "":
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(vaultKey))
		if err != nil || len(k) != ed25519.PublicKeySize {
			return usageError("produce verify: --vault-key: not a base64 Ed25519 public key")
		}
		pin.Key = k
	case vaultDir != "":
		m, err := vault.ReadManifest(vaultDir)
		if err != nil {
			return err
		}
		pin.Vault = m
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := production.Verify(bufio.NewReaderSize(f, 1<<20), ids, pin)
	if errors.Is(err, production.ErrNotForIdentity) {
		return &cliError{err: fmt.Errorf("%s: %w", file, err), code: exitWrongKey, hint: "pass the receiving party's key, whose recipient the package was produced for"}
	}
	if err != nil {
		return &cliError{err: fmt.Errorf("%s: %w", file, err), code: exitFailure, hint: "the file was altered or damaged; ask for it again"}
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stderr, "coffer: tampered: %s: %s\n", oneLine(file), oneLine(p))
	}
	if !rep.OK() {
		return &cliError{err: fmt.Errorf("%s: %s failed verification", file, plural(len(rep.Problems), "check")), code: exitFailure,
			hint: "do not rely on the named files; ask the producing party for the package again"}
	}
	m := rep.Manifest
	key := base64.StdEncoding.EncodeToString(rep.Key)
	// With --list, standard output is only the list, in sha256sum's
	// form (so that 'sha256sum -c' checks the unpacked files).
	say := e.stdout
	if list {
		say = e.stderr
	}
	fmt.Fprintf(say, "%s is intact: %s-%s, %s and %s, %d files verified; produced %s from vault %q (%s), query %q.\n",
		file, m.First, m.Last, plural(m.Messages, "message"), plural(m.Attachments, "attachment"), rep.Files,
		m.Produced.Format("2006-01-02 15:04:05Z07:00"), m.VaultName, m.VaultID, m.Query)
	switch rep.Pinned {
	case "key":
		fmt.Fprintf(say, "Signed by key %s (vault epoch %d), the key given with --vault-key.\n", key, m.Signer.Epoch)
	case "vault":
		fmt.Fprintf(say, "Signed by key %s, vault %s's signing key of epoch %d.\n", key, m.VaultID, m.Signer.Epoch)
	default:
		fmt.Fprintf(say, "Signed by key %s (vault epoch %d), which nothing vouches for: anyone can re-sign a package; pass --vault-key with the key the producer gave you.\n", key, m.Signer.Epoch)
	}
	if list {
		for _, f := range m.Files {
			fmt.Fprintf(e.stdout, "%s  %s\n", f.SHA256, f.Path)
		}
	}
	return e.stdout.Err()
}
