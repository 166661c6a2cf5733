package index_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/index"
	"coffer/vault"
)

// TestPolicyQueries: policy:NAME is the OR of the policy's rules,
// policy:NAME/RULE one of them, highlighted like the rules; a policy or
// rule that does not exist is an error at its column, and without the
// vault's policies policy: matches nothing.
func TestPolicyQueries(t *testing.T) {
	msgs := loadMessages(t, filepath.Join("testdata", "basic", "messages.jsonl"))
	policies := []vault.Policy{{Name: "meals", Version: 2, Rules: []vault.Rule{
		{Name: "lunch", Query: "lunch"}, {Name: "apollo", Query: `"quarterly report"`}, {Name: "bad", Query: "from:"}}}}
	ix, err := build(msgs, nil, index.Options{Now: func() time.Time { return testNow },
		Policies: func() ([]vault.Policy, error) { return policies, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ids := func(q string) []string {
		t.Helper()
		got, err := ix.IDs(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return got
	}
	lunch, apollo := ids("lunch"), ids(`"quarterly report"`)
	if len(lunch) == 0 || len(apollo) == 0 {
		t.Fatalf("the case has %d lunch and %d apollo messages", len(lunch), len(apollo))
	}
	if got := ids("policy:meals/lunch"); !slices.Equal(got, lunch) {
		t.Errorf("policy:meals/lunch = %v, want %v", got, lunch)
	}
	if got, want := ids("policy:meals/lunch OR policy:meals/apollo"), ids(`lunch OR "quarterly report"`); !slices.Equal(got, want) {
		t.Errorf("two rules = %v, want %v", got, want)
	}
	if got := ids("policy:meals/apollo -lunch"); len(got) > len(apollo) {
		t.Errorf("narrowed: %v", got)
	}
	res, err := ix.Search(context.Background(), "policy:meals/lunch", index.Request{})
	if err != nil || len(res.Hits) == 0 || len(res.Hits[0].Highlights) == 0 {
		t.Fatalf("highlights of a rule: %+v %v", res, err)
	}
	for _, c := range []struct{ q, want string }{
		{"policy:meals", `rule bad: missing value after "from:"`}, // a broken rule names itself
		{"lunch policy:gifts", `column 14: no policy "gifts"`},    // at the name
		{"policy:meals/nope", `policy meals has no rule "nope"`},  //
		{"policy:/x", "policy: wants NAME or NAME/RULE"},
	} {
		_, err := ix.Search(context.Background(), c.q, index.Request{})
		var qe *index.QueryError
		if !errors.As(err, &qe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a query error with %q", c.q, err, c.want)
		}
	}

	plain, err := build(msgs, nil, index.Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got, err := plain.IDs(context.Background(), "policy:meals"); err != nil || len(got) != 0 {
		t.Errorf("without policies: %v %v", got, err)
	}
}
