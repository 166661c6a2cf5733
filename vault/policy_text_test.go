package vault

import (
	"reflect"
	"strings"
	"testing"
)

func TestPolicyTextRoundTrip(t *testing.T) {
	ps := []Policy{
		{Name: "mnpi", Version: 3, Description: "Insider dealing: tips", Rules: []Rule{
			{Name: "tip", Query: `"inside information" OR "before the announcement"`},
			{Name: "trade", Query: "(buy OR sell) NEAR/5 (shares OR stock)"},
		}},
		{Name: "gifts", Rules: []Rule{{Name: "r1", Query: "gift card"}}},
	}
	got, err := ParsePolicyText(strings.NewReader(string(FormatPolicyText(ps))))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Base != 3 || got[1].Base != 0 {
		t.Fatalf("got %+v", got)
	}
	for i := range ps {
		want := ps[i]
		want.Version = 0
		if !reflect.DeepEqual(got[i].Policy, want) {
			t.Errorf("policy %d: got %+v, want %+v", i, got[i].Policy, want)
		}
	}
	if got[0].RuleLines[1] != 5 || got[0].RuleCols[1] != len("rule trade: ")+1 {
		t.Errorf("rule 2 at %d:%d", got[0].RuleLines[1], got[0].RuleCols[1])
	}
}

func TestPolicyTextErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "1:1: no policy"},
		{"# only a comment\n", "1:1: no policy"},
		{"rule a: b\n", `1:1: "rule" before the first "policy NAME" line`},
		{"policy p\nrule a b\n", `2:6: want "rule NAME: QUERY"`},
		{"policy p\n  rule a:   \n", "2:10: rule a: empty query"},
		{"policy p\nrule two words: q\n", "2:6: rule name \"two words\" has a space"},
		{"policy p\nversion x\n", `2:9: version "x": want a number from 1`},
		{"policy p\nversion 1\nversion 2\n", "3:1: a second version line"},
		{"policy p\nrule a: q\npolicy p\n", "3:8: policy p twice (line 1)"},
		{"policy p\nsample 1%\n", `2:1: unknown line "sample"`},
		{"policy p\n", "1:1: policy p: no rules"},
		{"policy p\nrule a: x\nrule a: y\n", `1:1: policy p: two rules named "a"`},
		{"policy p\nrule a: \xff\n", "2:1: not UTF-8 text"},
		{"policy p\nrule a: " + strings.Repeat("x", maxPolicyLine) + "\n", "2:1: line longer than"},
	} {
		_, err := ParsePolicyText(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%.30q: err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzPolicyText(f *testing.F) {
	f.Add("policy mnpi\nversion 3\ndescription d\nrule tip: a NEAR/3 b\n")
	f.Add("policy a\nrule r: x\n\npolicy b\nrule r: y\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ParsePolicyText(strings.NewReader(in))
		if err != nil {
			return
		}
		plain := make([]Policy, len(ps))
		for i, p := range ps {
			plain[i] = p.Policy
			plain[i].Version = p.Base
		}
		again, err := ParsePolicyText(strings.NewReader(string(FormatPolicyText(plain))))
		if err != nil {
			t.Fatalf("formatted policies do not parse: %v", err)
		}
		for i := range ps {
			if !reflect.DeepEqual(again[i].Policy, ps[i].Policy) || again[i].Base != ps[i].Base {
				t.Fatalf("round trip: %+v != %+v", again[i], ps[i])
			}
		}
	})
}
