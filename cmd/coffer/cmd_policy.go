package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/access"
)

func policyCommand() *command {
	return &command{
		name:    "policy",
		args:    "list|show|history|add|edit|rm|import|export|run DIR ...",
		summary: "keep the vault's supervision policies: named, versioned sets of lexicon rules",
		help: `
A supervision policy is a named set of rules, each a query in coffer's
search language, that flags messages for review: words and phrases for
insider dealing, off-channel talk, gifts, complaints. Policies are kept
encrypted in the vault and shared by its members. Every change makes a
new version (none is rewritten), recorded in the audit trail with its
diff before the vault changes; reading them records nothing.

  list DIR                       the policies, their versions and rules
  show DIR NAME [--version N]    one policy, in the text format below
  history DIR NAME               every version, who wrote it, and what changed
  add DIR NAME --rule QUERY...   a new policy (rules named r1, r2, ...)
  edit DIR NAME [--rule QUERY]... [--remove-rule RULE]... [--description TEXT]
  rm DIR NAME                    withdraw a policy (its history stays)
  export DIR [NAME...]           policies as text, to standard output
  import DIR FILE                add or change the policies FILE holds ("-": stdin)
  run DIR [NAME...] [--within QUERY] [--json]
                                 apply policies to the vault (or to what QUERY
                                 finds): how many messages each rule matches
                                 and how many any rule flags; recorded per
                                 policy (policy-run); no message is shown

The text format, one fact a line ("#" starts a comment):

  policy mnpi
  version 3
  description Insider dealing: tips and the trades around them
  rule tip: "inside information" OR "before the announcement"
  rule trade: (buy OR sell) NEAR/5 (shares OR stock)

version is the version the text was exported from: import changes a
policy only if it is still at that version, so an import never undoes a
change made meanwhile (export again and merge). A policy without a
version line must be new. Errors name the line and column.

Examples:
  coffer policy add case-2291 gifts --rule '"gift card"' --rule 'tickets NEAR/3 (game OR match)'
  coffer policy edit case-2291 gifts --rule 'dinner NEAR/2 paid' --remove-rule r1
  coffer policy export case-2291 > lexicon.txt
  coffer policy import case-2291 lexicon.txt
  coffer policy history case-2291 gifts
  coffer policy run case-2291 --within 'date:2025-01..2025-03'`,
		setup: func(fs *flag.FlagSet) func(*env, []string) error {
			var u unlockFlags
			u.register(fs)
			var rules, drop listFlag
			fs.Var(&rules, "rule", "a rule's `QUERY` (repeatable; add and edit)")
			fs.Var(&drop, "remove-rule", "remove the rule named `RULE` (repeatable; edit)")
			desc := fs.String("description", "", "the policy's description `TEXT` (add and edit)")
			version := fs.Int("version", 0, "show version `N` instead of the current one")
			within := fs.String("within", "", "run: apply the policies to the messages `QUERY` finds")
			asJSON := fs.Bool("json", false, "run: print the counts as JSON")
			return func(e *env, args []string) error {
				if len(args) < 2 {
					return usageError("policy: missing arguments: want list|show|history|add|edit|rm|import|export|run DIR ...")
				}
				verb, dir, rest := args[0], args[1], args[2:]
				descSet := false
				fs.Visit(func(f *flag.Flag) { descSet = descSet || f.Name == "description" })
				if err := checkPolicyArgs(verb, rest, len(rules), len(drop), descSet); err != nil {
					return err
				}
				if verb == "run" {
					return runPolicies(e, &u, dir, rest, *within, *asJSON)
				}
				if *within != "" || *asJSON {
					return usageError("policy %s: --within and --json are for run", verb)
				}
				s, err := u.unlock(e, dir)
				if err != nil {
					return err
				}
				defer s.close()
				p := policyRun{e: e, s: s, dir: dir}
				switch verb {
				case "list", "ls":
					return p.list()
				case "show":
					return p.show(rest[0], *version)
				case "history":
					return p.history(rest[0])
				case "add":
					return p.add(rest[0], *desc, rules)
				case "edit":
					return p.edit(rest[0], rules, drop, desc, descSet)
				case "rm", "remove":
					return p.remove(rest[0])
				case "export":
					return p.export(rest)
				default:
					return p.importFile(rest[0])
				}
			}
		},
	}
}

// checkPolicyArgs refuses a malformed command line before the vault is
// unlocked (and the passphrase asked for).
func checkPolicyArgs(verb string, rest []string, rules, drops int, desc bool) error {
	want := map[string]int{"list": 0, "ls": 0, "show": 1, "history": 1, "add": 1, "edit": 1, "rm": 1, "remove": 1, "import": 1, "export": -1, "run": -1}
	n, ok := want[verb]
	switch {
	case !ok:
		return usageError("policy: %q: want list, show, history, add, edit, rm, import, export or run", oneLine(verb))
	case n >= 0 && len(rest) != n:
		return usageError("policy %s: want %d argument(s) after DIR, got %d", verb, n, len(rest))
	case verb == "add" && rules == 0:
		return usageError("policy add: a policy needs at least one --rule QUERY")
	case verb == "edit" && rules == 0 && drops == 0 && !desc:
		return usageError("policy edit: nothing to change: give --rule, --remove-rule or --description")
	case verb != "add" && verb != "edit" && (rules > 0 || drops > 0 || desc):
		return usageError("policy %s: --rule, --remove-rule and --description are for add and edit", verb)
	case verb == "add" && drops > 0:
		return usageError("policy add: --remove-rule is for edit")
	}
	if verb == "import" {
		return nil
	}
	for _, name := range rest { // policy names: export's, run's, the one of the others
		if err := vault.ValidPolicyName(name); err != nil {
			return usageError("policy %s: NAME: %v", verb, err)
		}
	}
	return nil
}

// runPolicies applies policies to the vault, loaded and indexed as for
// a search, and prints what each rule matched.
func runPolicies(e *env, u *unlockFlags, dir string, names []string, within string, asJSON bool) error {
	s, err := u.openIndexed(e, dir)
	if err != nil {
		return err
	}
	defer s.close()
	ctx := context.Background()
	runs, err := s.RunPolicies(ctx, names, within)
	if err != nil {
		if errors.Is(err, vault.ErrNoPolicy) {
			return withHint(err, fmt.Sprintf("'coffer policy list %s' lists them", oneLine(dir)))
		}
		return queryError(err, within)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout.JSON())
		for _, r := range runs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return e.stdout.Err()
	}
	if len(runs) == 0 {
		fmt.Fprintf(e.stdout, "No policies: add one with 'coffer policy add %s NAME --rule QUERY', or import a file.\n", oneLine(dir))
		return e.stdout.Err()
	}
	t := newTable("POLICY", "VERSION", "RULE", "MATCHES")
	for _, r := range runs {
		for _, h := range r.Rules {
			t.row(r.Policy, strconv.Itoa(r.Version), h.Rule, strconv.Itoa(h.Hits))
		}
		t.row(r.Policy, strconv.Itoa(r.Version), "(any rule)", strconv.Itoa(r.Flagged)+" flagged")
	}
	return t.write(e.stdout)
}

// policyRun is one policy command against an unlocked vault.
type policyRun struct {
	e   *env
	s   *session
	dir string
}

func (p policyRun) list() error {
	ps, err := p.s.Policies()
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		fmt.Fprintf(p.e.stdout, "No policies: add one with 'coffer policy add %s NAME --rule QUERY', or import a file.\n", oneLine(p.dir))
		return p.e.stdout.Err()
	}
	t := newTable("NAME", "VERSION", "RULES", "CHANGED BY", "ON", "DESCRIPTION")
	for _, x := range ps {
		t.row(x.Name, strconv.Itoa(x.Version), strconv.Itoa(len(x.Rules)), truncateWidth(x.Actor, 24),
			x.Time.Local().Format("2006-01-02 15:04"), truncateWidth(x.Description, 60))
	}
	return t.write(p.e.stdout)
}

func (p policyRun) show(name string, version int) error {
	vs, err := p.s.PolicyVersions(name)
	if err != nil {
		return p.noPolicy(err)
	}
	x := vs[len(vs)-1]
	if version != 0 {
		if version < 0 || version > len(vs) {
			return usageError("policy show: %s has versions 1 to %d, not %d", oneLine(name), len(vs), version)
		}
		x = vs[version-1]
	}
	if x.Removed {
		return fmt.Errorf("policy %s: version %d removed it ('coffer policy history %s %s' lists its versions)", oneLine(name), x.Version, oneLine(p.dir), oneLine(name))
	}
	fmt.Fprintf(p.e.stdout, "# %s, version %d, by %s on %s\n", oneLine(x.Name), x.Version, oneLine(x.Actor), x.Time.Local().Format("2006-01-02 15:04"))
	p.e.stdout.Write(vault.FormatPolicyText([]vault.Policy{x}))
	return p.e.stdout.Err()
}

func (p policyRun) history(name string) error {
	vs, err := p.s.PolicyVersions(name)
	if err != nil {
		return p.noPolicy(err)
	}
	var prev vault.Policy
	for _, x := range vs {
		what := "added"
		switch {
		case x.Removed:
			what = "removed"
		case prev.Version > 0 && !prev.Removed:
			what = "changed"
		}
		fmt.Fprintf(p.e.stdout, "version %d  %s by %s on %s\n", x.Version, what, oneLine(x.Actor), x.Time.Local().Format("2006-01-02 15:04"))
		for _, l := range strings.Split(access.PolicyDiff(&prev, &x), "\n") {
			if l != "" {
				fmt.Fprintf(p.e.stdout, "  %s\n", oneLine(l))
			}
		}
		prev = x
	}
	return p.e.stdout.Err()
}

func (p policyRun) add(name, desc string, queries []string) error {
	x := vault.Policy{Name: name, Description: desc}
	for i, q := range queries {
		x.Rules = append(x.Rules, vault.Rule{Name: "r" + strconv.Itoa(i+1), Query: strings.TrimSpace(q)})
	}
	out, err := p.s.PutPolicy(x, 0)
	if err != nil {
		if errors.Is(err, vault.ErrPolicyChanged) {
			return withHint(err, fmt.Sprintf("change it with 'coffer policy edit %s %s', or choose another name", oneLine(p.dir), oneLine(name)))
		}
		return ruleError(err, x.Rules)
	}
	fmt.Fprintf(p.e.stdout, "policy %s: version %d, %s\n", oneLine(name), out.Version, plural(len(out.Rules), "rule"))
	return p.e.stdout.Err()
}

func (p policyRun) edit(name string, add, drop []string, desc *string, descSet bool) error {
	cur, err := p.s.PolicyVersions(name)
	if err != nil {
		return p.noPolicy(err)
	}
	x := cur[len(cur)-1]
	if x.Removed {
		return p.noPolicy(fmt.Errorf("%w: %q (removed in version %d)", vault.ErrNoPolicy, name, x.Version))
	}
	base := x.Version
	x.Rules = slices.Clone(x.Rules)
	for _, d := range drop {
		i := slices.IndexFunc(x.Rules, func(r vault.Rule) bool { return r.Name == d })
		if i < 0 {
			return usageError("policy edit: %s has no rule %q ('coffer policy show %s %s' lists them)", oneLine(name), oneLine(d), oneLine(p.dir), oneLine(name))
		}
		x.Rules = slices.Delete(x.Rules, i, i+1)
	}
	next := 1
	for _, r := range x.Rules {
		if n, err := strconv.Atoi(strings.TrimPrefix(r.Name, "r")); err == nil && strings.HasPrefix(r.Name, "r") && n >= next {
			next = n + 1
		}
	}
	for _, q := range add {
		x.Rules = append(x.Rules, vault.Rule{Name: "r" + strconv.Itoa(next), Query: strings.TrimSpace(q)})
		next++
	}
	if descSet {
		x.Description = *desc
	}
	out, err := p.s.PutPolicy(x, base)
	if err != nil {
		return ruleError(err, x.Rules)
	}
	fmt.Fprintf(p.e.stdout, "policy %s: version %d, %s\n", oneLine(name), out.Version, plural(len(out.Rules), "rule"))
	return p.e.stdout.Err()
}

func (p policyRun) remove(name string) error {
	x, err := p.s.PolicyVersions(name)
	if err != nil {
		return p.noPolicy(err)
	}
	if err := p.s.RemovePolicy(name, x[len(x)-1].Version); err != nil {
		return p.noPolicy(err)
	}
	fmt.Fprintf(p.e.stdout, "removed policy %s: version %d; its earlier versions stay in its history\n", oneLine(name), x[len(x)-1].Version+1)
	return p.e.stdout.Err()
}

func (p policyRun) export(names []string) error {
	ps, err := p.s.Policies()
	if err != nil {
		return err
	}
	if len(names) > 0 {
		var sel []vault.Policy
		for _, n := range names {
			i := slices.IndexFunc(ps, func(x vault.Policy) bool { return x.Name == n })
			if i < 0 {
				return p.noPolicy(fmt.Errorf("%w: %q", vault.ErrNoPolicy, n))
			}
			sel = append(sel, ps[i])
		}
		ps = sel
	}
	fmt.Fprintf(p.e.stdout, "# coffer policies of %s: coffer policy import DIR FILE reads this back\n", oneLine(p.dir))
	p.e.stdout.Write(vault.FormatPolicyText(ps))
	return p.e.stdout.Err()
}

// importFile adds or changes every policy of a text file, in order;
// unchanged ones are left alone. It stops at the first policy refused,
// those before it written (each is its own version).
func (p policyRun) importFile(file string) error {
	var r io.Reader = p.e.stdin
	name := "standard input"
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r, name = f, file
	}
	ps, err := vault.ParsePolicyText(r)
	if err != nil {
		return fmt.Errorf("%s:%w", oneLine(name), err)
	}
	// Every query is checked before anything is written.
	for _, x := range ps {
		for i, rule := range x.Rules {
			var qe *index.QueryError
			if err := p.s.CheckRules(x.Rules[i : i+1]); errors.As(err, &qe) {
				return fmt.Errorf("%s:%d:%d: rule %s: %s", oneLine(name), x.RuleLines[i], x.RuleCols[i]+qe.Col-1, oneLine(rule.Name), qe.Msg)
			} else if err != nil {
				return err
			}
		}
	}
	cur, err := p.s.Policies()
	if err != nil {
		return err
	}
	for _, x := range ps {
		i := slices.IndexFunc(cur, func(c vault.Policy) bool { return c.Name == x.Name })
		switch {
		case i < 0 && x.Base != 0:
			return withHint(fmt.Errorf("%s:%d: policy %s is not in the vault, and the file was written from its version %d", oneLine(name), x.Line, oneLine(x.Name), x.Base),
				"to add it as a new policy, delete its version line")
		case i >= 0 && x.Base == 0:
			return withHint(fmt.Errorf("%s:%d: policy %s exists (version %d) and the file gives no version", oneLine(name), x.Line, oneLine(x.Name), cur[i].Version),
				fmt.Sprintf("export it ('coffer policy export %s %s'), change that text and import it", oneLine(p.dir), oneLine(x.Name)))
		case i >= 0 && cur[i].Version != x.Base:
			return withHint(fmt.Errorf("%s:%d: policy %s is at version %d, the file was written from version %d", oneLine(name), x.Line, oneLine(x.Name), cur[i].Version, x.Base),
				"someone changed it since: export it again and merge your changes")
		case i >= 0 && cur[i].Description == x.Description && slices.Equal(cur[i].Rules, x.Rules):
			fmt.Fprintf(p.e.stdout, "policy %s: unchanged (version %d)\n", oneLine(x.Name), cur[i].Version)
			continue
		}
		out, err := p.s.PutPolicy(x.Policy, x.Base)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", oneLine(name), x.Line, err)
		}
		fmt.Fprintf(p.e.stdout, "policy %s: version %d, %s\n", oneLine(x.Name), out.Version, plural(len(out.Rules), "rule"))
	}
	return p.e.stdout.Err()
}

func (p policyRun) noPolicy(err error) error {
	if errors.Is(err, vault.ErrNoPolicy) {
		return withHint(err, fmt.Sprintf("'coffer policy list %s' lists them", oneLine(p.dir)))
	}
	return err
}

// ruleError shows a rule whose query does not parse with a caret under
// the column at fault, as search does for its query.
func ruleError(err error, rules []vault.Rule) error {
	var qe *index.QueryError
	if !errors.As(err, &qe) {
		return err
	}
	for _, r := range rules {
		if strings.Contains(err.Error(), "rule "+r.Name+":") {
			return &cliError{err: fmt.Errorf("rule %s: column %d: %s", oneLine(r.Name), qe.Col, qe.Msg), code: exitUsage,
				hint: fmt.Sprintf("%s\n%*s^", oneLine(r.Query), qe.Col+len("coffer: hint: ")-1, "")}
		}
	}
	return err
}
