package vault

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Supervision policies (issue 13) are named, versioned sets of lexicon
// rules, each a query in coffer's language ("insider NEAR/5 trade"), that
// flag messages for review. A rule says what a firm watches its staff
// for, so policies are as secret as the messages and are kept as saved
// searches are: a journal (journal.go) under policies/, one file per
// change. Every change makes a new version; none is ever rewritten, so a
// flag or a review decision can always name the exact rules that fired.
const recPolicy = "policy"

const policyMagic = "coffer-policies-v1\n"

// Bounds on a policy: typed or imported by people, read on every import.
const (
	MaxPolicyRules       = 1000
	maxPolicyDescription = 4096
)

// Policy is one version of a supervision policy.
type Policy struct {
	Name        string `json:"name"`
	Version     int    `json:"version"` // 1, 2, ... for each change
	Description string `json:"description,omitempty"`
	Rules       []Rule `json:"rules,omitempty"`
	// Removed marks the version that withdrew the policy: it has no
	// rules. Adding the name again continues its version numbers.
	Removed bool `json:"removed,omitempty"`
	// Actor is the member who wrote this version, Time when.
	Actor string    `json:"actor"`
	Time  time.Time `json:"time"`
}

// Rule is one lexicon rule: a query, and a name unique in its policy by
// which flags and reports cite it.
type Rule struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

// ErrPolicyChanged is what PutPolicy and RemovePolicy return when the
// policy is not at the version the caller read: another member changed it
// meanwhile, or (base 0) it exists already, or it does not exist.
var ErrPolicyChanged = errors.New("the policy changed since it was read")

// ErrNoPolicy is what lookups of an unknown (or removed) policy return.
var ErrNoPolicy = errors.New("no policy of that name")

// ValidPolicyName reports why name cannot name a policy or a rule, or nil.
func ValidPolicyName(name string) error { return validName("policy name", name) }

// CheckPolicy checks what the vault can of p's content (the search engine
// checks that its queries parse): a valid name, at least one rule, rule
// names valid and unique, queries non-empty and without control
// characters.
func CheckPolicy(p *Policy) error {
	if err := ValidPolicyName(p.Name); err != nil {
		return err
	}
	if len(p.Description) > maxPolicyDescription {
		return fmt.Errorf("policy %s: description longer than %d bytes", p.Name, maxPolicyDescription)
	}
	if strings.IndexFunc(p.Description, unicode.IsControl) >= 0 {
		return fmt.Errorf("policy %s: description has a control character", p.Name)
	}
	if p.Removed {
		if len(p.Rules) > 0 {
			return fmt.Errorf("policy %s: removal with rules", p.Name)
		}
		return nil
	}
	switch {
	case len(p.Rules) == 0:
		return fmt.Errorf("policy %s: no rules", p.Name)
	case len(p.Rules) > MaxPolicyRules:
		return fmt.Errorf("policy %s: %d rules, more than %d", p.Name, len(p.Rules), MaxPolicyRules)
	}
	seen := make(map[string]bool, len(p.Rules))
	for i, r := range p.Rules {
		if err := validName("rule name", r.Name); err != nil {
			return fmt.Errorf("policy %s: rule %d: %w", p.Name, i+1, err)
		}
		if strings.Contains(r.Name, ":") {
			// The text format reads "rule NAME: QUERY" up to the colon.
			return fmt.Errorf("policy %s: rule name %q has a colon", p.Name, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("policy %s: two rules named %q", p.Name, r.Name)
		}
		seen[r.Name] = true
		if err := validQuery(r.Query); err != nil {
			return fmt.Errorf("policy %s: rule %s: %w", p.Name, r.Name, err)
		}
	}
	return nil
}

// Policies returns the current version of every policy not removed, by
// name, as of the manifest this process last read.
func (v *Vault) Policies() ([]Policy, error) {
	all, err := v.replayPolicies()
	if err != nil {
		return nil, err
	}
	var out []Policy
	for _, vs := range all {
		if p := vs[len(vs)-1]; !p.Removed {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// PolicyVersions returns every version of the policy name, oldest first,
// removals included.
func (v *Vault) PolicyVersions(name string) ([]Policy, error) {
	all, err := v.replayPolicies()
	if err != nil {
		return nil, err
	}
	vs, ok := all[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoPolicy, name)
	}
	return vs, nil
}

// Policy returns the current version of the policy name.
func (v *Vault) Policy(name string) (Policy, error) {
	vs, err := v.PolicyVersions(name)
	if err != nil {
		return Policy{}, err
	}
	p := vs[len(vs)-1]
	if p.Removed {
		return Policy{}, fmt.Errorf("%w: %q (removed in version %d)", ErrNoPolicy, name, p.Version)
	}
	return p, nil
}

// PutPolicy writes p as the next version of its policy and returns that
// version. base is the version the caller's change starts from: 0 to add
// a policy that does not exist (or was removed), else its current
// version; checked under the write lock, so of two members editing one
// policy at once the second is told (ErrPolicyChanged) rather than
// silently undoing the first's change.
func (v *Vault) PutPolicy(p Policy, base int) (Policy, error) {
	p.Removed = false
	if err := CheckPolicy(&p); err != nil {
		return Policy{}, fmt.Errorf("vault: %w", err)
	}
	return v.writePolicy(p, base)
}

// RemovePolicy withdraws the policy name at version base, recording a
// version without rules; its history stays.
func (v *Vault) RemovePolicy(name string, base int) (Policy, error) {
	if err := ValidPolicyName(name); err != nil {
		return Policy{}, fmt.Errorf("vault: %w", err)
	}
	return v.writePolicy(Policy{Name: name, Removed: true}, base)
}

// policyJournal is where policies are kept (journal.go).
var policyJournal = journal{rec: recPolicy, dir: "policies", magic: policyMagic, what: "policies journal"}

func (v *Vault) writePolicy(p Policy, base int) (Policy, error) {
	var written Policy
	err := appendJournal(v, policyJournal, func() (Policy, error) {
		all, err := v.replayPolicies()
		if err != nil {
			return p, err
		}
		vs := all[p.Name]
		cur, live := 0, false
		if len(vs) > 0 {
			last := vs[len(vs)-1]
			cur, live = last.Version, !last.Removed
		}
		switch {
		case base == 0 && live:
			return p, fmt.Errorf("vault: %w: %q exists (version %d)", ErrPolicyChanged, p.Name, cur)
		case base != 0 && !live:
			return p, fmt.Errorf("vault: %w: %q", ErrNoPolicy, p.Name)
		case base != 0 && base != cur:
			return p, fmt.Errorf("vault: %w: %q is at version %d, not %d", ErrPolicyChanged, p.Name, cur, base)
		case p.Removed && !live:
			return p, fmt.Errorf("vault: %w: %q", ErrNoPolicy, p.Name)
		}
		if live && !p.Removed && samePolicy(&vs[len(vs)-1], &p) {
			return p, fmt.Errorf("vault: policy %s: no change from version %d", p.Name, cur)
		}
		p.Version, p.Time, p.Actor = cur+1, v.now().UTC(), v.Member.Name
		written = p
		return p, nil
	})
	if err != nil {
		return Policy{}, err
	}
	return written, nil
}

// samePolicy reports whether a and b hold the same description and rules.
func samePolicy(a, b *Policy) bool {
	return a.Description == b.Description && slices.Equal(a.Rules, b.Rules)
}

// replayPolicies reads the policies journal: every version of every
// policy, by name. Versions must follow each other (1, 2, 3...): a gap or
// a repeat means a file was removed or replayed.
func (v *Vault) replayPolicies() (map[string][]Policy, error) {
	out := map[string][]Policy{}
	err := readJournal(v, policyJournal, func(p Policy) error {
		if err := CheckPolicy(&p); err != nil {
			return fmt.Errorf("holds an invalid policy: %v", err)
		}
		vs := out[p.Name]
		if want := len(vs) + 1; p.Version != want {
			return fmt.Errorf("policy %s: version %d where %d was due", p.Name, p.Version, want)
		}
		out[p.Name] = append(vs, p)
		return nil
	})
	return out, err
}
