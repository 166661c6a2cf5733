package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"coffer/vault"
	"coffer/vault/store"

	"filippo.io/age"
)

func initCommand() *command {
	return &command{
		name:    "init",
		args:    "DIR",
		summary: "create a new, empty vault",
		help: `
A vault needs members, who can unlock it, and auditors, who can read its
audit trail and nothing else. By default the one member is a passphrase,
asked twice on the terminal.

DIR is a folder, or s3://BUCKET/PREFIX for S3 or S3-compatible object
storage (credentials, region and endpoint from the usual AWS variables:
AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL_S3). With
--retention every object of the vault gets an Object Lock retain-until
date (the bucket must be versioned, created with Object Lock), and the
bucket's default rule is set to match.

Examples:
  coffer init case-2291 --auditor-key-out auditor.key
  coffer init case-2291 --recipient age1pq1... --auditor age1...
  coffer init case-2291 --identity-out me.key --passphrase --auditor-key-out auditor.key
  coffer init case-2291 --passphrase-file pass.txt --auditor age1... --name "Case 2291"
  coffer init s3://matters/case-2291 --recipient age1pq1... --auditor age1... --retention 7y --retention-mode compliance`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var (
				name, identityOut, auditorOut, passFile, member string
				recipients, auditors                            listFlag
				withPassphrase                                  bool
				retention, retentionMode                        string
			)
			fs.StringVar(&retention, "retention", "", "object storage: keep every object for `PERIOD` (7y, 90d) under Object Lock")
			fs.StringVar(&retentionMode, "retention-mode", "compliance", "`MODE` of --retention: compliance (nobody can delete early) or governance (a bucket admin can)")
			fs.StringVar(&name, "name", "", "the vault's display `NAME` (default: the folder name)")
			fs.Var(&recipients, "recipient", "add a member for recipient `R` (age1…, age1pq1…, ssh-ed25519 …, plugin; repeatable)")
			fs.StringVar(&identityOut, "identity-out", "", "generate a member key (post-quantum hybrid age identity) into `FILE`")
			fs.Var(&auditors, "auditor", "auditor recipient `R` (repeatable)")
			fs.StringVar(&auditorOut, "auditor-key-out", "", "generate an auditor key into `FILE`")
			fs.StringVar(&passFile, "passphrase-file", "", "make a passphrase member from the first line of `FILE`")
			fs.BoolVar(&withPassphrase, "passphrase", false, "also make a passphrase member (asked twice) when recipients are given")
			fs.StringVar(&member, "member", "", "`NAME` of the passphrase member (default: your user name)")
			return func(e *env, args []string) error {
				if err := needArgs("init", args, 1, 1); err != nil {
					return err
				}
				dir := args[0]
				if len(auditors) == 0 && auditorOut == "" {
					return usageError("init: a vault needs an auditor: pass --auditor R or --auditor-key-out FILE")
				}
				opt := vault.InitOptions{Name: name, Recipients: recipients, Auditors: auditors, PassphraseMember: member, Now: e.now()}
				if retention != "" {
					r, err := store.ParseRetention(retention, retentionMode)
					if err != nil {
						return usageError("init: %v", err)
					}
					opt.Retention = r
				} else if fs.Lookup("retention-mode").Value.String() != "compliance" {
					return usageError("init: --retention-mode needs --retention PERIOD")
				}
				if opt.PassphraseMember == "" {
					opt.PassphraseMember = os.Getenv("USER")
				}
				for range recipients {
					opt.RecipientNames = append(opt.RecipientNames, "")
				}
				var err error
				switch {
				case passFile != "":
					opt.Passphrase, err = readPassphraseFile("passphrase-file", passFile)
				case withPassphrase || (len(recipients) == 0 && identityOut == ""):
					opt.Passphrase, err = newPassphrase(e)
				}
				if err != nil {
					return err
				}
				if identityOut != "" {
					r, err := writeIdentity("identity-out", identityOut, "member key for vault "+dir, e.now())
					if err != nil {
						return err
					}
					opt.Recipients = append(opt.Recipients, r)
					opt.RecipientNames = append(opt.RecipientNames, os.Getenv("USER"))
				}
				if auditorOut != "" {
					r, err := writeIdentity("auditor-key-out", auditorOut, "auditor key for vault "+dir, e.now())
					if err != nil {
						return err
					}
					opt.Auditors = append(opt.Auditors, r)
				}
				m, err := vault.Init(dir, opt)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Created vault %q in %s (id %s).\n", oneLine(m.Name), oneLine(dir), m.VaultID)
				if !opt.Retention.IsZero() {
					fmt.Fprintf(e.stdout, "Every object is kept under Object Lock retention: %s.\n", opt.Retention)
				}
				tb := newTable()
				tb.indent = "  "
				for _, mem := range m.ActiveMembers() {
					tb.row("member", mem.Name, mem.Kind, vault.Fingerprint(mem.Recipient))
				}
				for _, a := range m.Auditors {
					tb.row("auditor", a.Name, "-", vault.Fingerprint(a.Recipient))
				}
				if err := tb.write(e.stdout); err != nil {
					return err
				}
				if auditorOut != "" {
					fmt.Fprintf(e.stdout, "The auditor key in %s opens the audit trail only: give it to the auditor and keep it off this machine.\n", auditorOut)
				}
				return nil
			}
		},
	}
}

// newPassphrase asks for a new passphrase twice.
func newPassphrase(e *env) (string, error) {
	p1, err := prompt(e, "New passphrase: ")
	if err != nil {
		return "", err
	}
	p2, err := prompt(e, "Repeat passphrase: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", fmt.Errorf("the passphrases do not match")
	}
	return p1, nil
}

// writeIdentity generates a hybrid age identity into a new file (given
// to flag), in age-keygen's format, and returns its recipient.
func writeIdentity(flag, path, comment string, now time.Time) (string, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return "", flagFile(flag, path, err, "coffer does not overwrite a key: choose another name, or remove the file if it is no longer needed")
	}
	if err != nil {
		return "", flagFile(flag, path, err, "")
	}
	fmt.Fprintf(f, "# %s\n# created: %s\n# public key: %s\n%s\n", comment, now.UTC().Format(time.RFC3339), id.Recipient(), id)
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return id.Recipient().String(), f.Close()
}
