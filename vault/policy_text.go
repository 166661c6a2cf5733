package vault

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Policies travel as text (coffer policy export and import): one line per
// fact, so that a lexicon can be kept in a text file, reviewed in a diff
// and written by other tools. The format:
//
//	# coffer policies: a comment; blank lines are ignored
//	policy mnpi
//	version 3
//	description Insider dealing: tips and trades around them
//	rule tip: "inside information" OR "before the announcement"
//	rule trade: (buy OR sell) NEAR/5 (shares OR stock)
//
// "policy NAME" starts a policy; "rule NAME: QUERY" adds a rule, in order;
// "description TEXT" (at most once) and "version N" are optional. version
// is the version the text was exported from: importing it changes the
// policy only if it is still at that version, so that an import never
// silently undoes a change made since the export.

// PolicyText is one policy read from text, with where its parts were.
type PolicyText struct {
	Policy
	// Base is the "version" line's number, 0 without one.
	Base int
	// Line is the line of "policy NAME"; RuleLines[i] the line of rule i
	// and RuleCols[i] the 1-based column (in characters) its query starts at.
	Line      int
	RuleLines []int
	RuleCols  []int
}

// PolicyTextError is a line of policy text that cannot be read.
type PolicyTextError struct {
	Line, Col int
	Msg       string
}

func (e *PolicyTextError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// maxPolicyLine bounds a line of policy text: a query is at most 4096
// bytes, a description too.
const maxPolicyLine = 16 << 10

// ParsePolicyText reads policies in the text format. It checks each with
// CheckPolicy, reporting the line at fault; whether the queries parse is
// for the caller, who has the search engine (RuleLines and RuleCols place
// its errors).
func ParsePolicyText(r io.Reader) ([]PolicyText, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxPolicyLine)
	var out []PolicyText
	var cur *PolicyText
	n := 0
	fail := func(col int, format string, args ...any) error {
		return &PolicyTextError{Line: n, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
	finish := func() error {
		if cur == nil {
			return nil
		}
		if err := CheckPolicy(&cur.Policy); err != nil {
			return &PolicyTextError{Line: cur.Line, Col: 1, Msg: err.Error()}
		}
		out = append(out, *cur)
		return nil
	}
	for sc.Scan() {
		n++
		raw := sc.Bytes()
		if !utf8.Valid(raw) {
			return nil, fail(1, "not UTF-8 text")
		}
		line := strings.TrimRight(string(raw), " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(trimmed)
		word, rest, _ := strings.Cut(trimmed, " ")
		rest = strings.TrimLeft(rest, " \t")
		restCol := utf8.RuneCountInString(line[:len(line)-len(rest)]) + 1
		if word != "policy" && cur == nil {
			return nil, fail(indent+1, "%q before the first \"policy NAME\" line", word)
		}
		switch word {
		case "policy":
			if err := finish(); err != nil {
				return nil, err
			}
			if err := ValidPolicyName(rest); err != nil {
				return nil, fail(restCol, "%v", err)
			}
			for _, p := range out {
				if p.Name == rest {
					return nil, fail(restCol, "policy %s twice (line %d)", rest, p.Line)
				}
			}
			cur = &PolicyText{Policy: Policy{Name: rest}, Line: n}
		case "version":
			v, err := strconv.Atoi(rest)
			if err != nil || v < 1 {
				return nil, fail(restCol, "version %q: want a number from 1", rest)
			}
			if cur.Base != 0 {
				return nil, fail(indent+1, "a second version line")
			}
			cur.Base = v
		case "description":
			if cur.Description != "" {
				return nil, fail(indent+1, "a second description line")
			}
			cur.Description = rest
		case "rule":
			name, query, ok := strings.Cut(rest, ":")
			if !ok {
				return nil, fail(restCol, `want "rule NAME: QUERY"`)
			}
			name = strings.TrimSpace(name)
			if err := validName("rule name", name); err != nil {
				return nil, fail(restCol, "%v", err)
			}
			q := strings.TrimLeft(query, " \t")
			cur.Rules = append(cur.Rules, Rule{Name: name, Query: q})
			cur.RuleLines = append(cur.RuleLines, n)
			cur.RuleCols = append(cur.RuleCols, utf8.RuneCountInString(line[:len(line)-len(q)])+1)
			if err := validQuery(q); err != nil {
				return nil, fail(cur.RuleCols[len(cur.RuleCols)-1], "rule %s: %v", name, err)
			}
		default:
			return nil, fail(indent+1, "unknown line %q: want policy, version, description or rule", word)
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, &PolicyTextError{Line: n + 1, Col: 1, Msg: fmt.Sprintf("line longer than %d bytes", maxPolicyLine)}
		}
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &PolicyTextError{Line: max(n, 1), Col: 1, Msg: `no policy: want a "policy NAME" line`}
	}
	return out, nil
}

// FormatPolicyText writes ps in the text format, each with its version,
// so that the text imports back as an edit of that version.
func FormatPolicyText(ps []Policy) []byte {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "policy %s\n", p.Name)
		if p.Version > 0 {
			fmt.Fprintf(&b, "version %d\n", p.Version)
		}
		if p.Description != "" {
			fmt.Fprintf(&b, "description %s\n", p.Description)
		}
		for _, r := range p.Rules {
			fmt.Fprintf(&b, "rule %s: %s\n", r.Name, r.Query)
		}
	}
	return b.Bytes()
}
