package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzPeekEvent: what peekEvent reads of an event encodeEvent wrote (its
// action and intent flag) is what the full decoder reads, whatever the
// event's strings hold; no input makes either panic, and the decoder
// never pairs ids with senders of another count.
func FuzzPeekEvent(f *testing.F) {
	for _, a := range []Action{ActionSession, ActionImport, ActionSearch, ActionViewMessages, ActionCompact} {
		for _, intent := range []bool{false, true} {
			f.Add(string(a), `"i":true`, intent, 3)
		}
	}
	f.Add(`im"port`, `\"i\"`, false, -1)
	f.Add("member-add", "", true, 0)
	f.Add("view-messages", `{"t":1,"a":"view-messages","ids":["a","b"],"from":["x","y"],"at":[1,0]}`, false, 2)
	f.Fuzz(func(t *testing.T, action, text string, intent bool, count int) {
		peekEvent([]byte(text))
		if e, err := decodeEvent([]byte(text)); err == nil && len(e.Sent) != 0 && len(e.Sent) != len(e.Messages) {
			t.Fatalf("decodeEvent(%s): %d senders for %d ids", text, len(e.Sent), len(e.Messages))
		}
		e := Event{Action: Action(action), Query: text, Detail: text, Messages: []string{text},
			Title: text, Sent: []Sent{{Sender: text}}, Count: count, Intent: intent}
		b, err := encodeEvent(&e)
		if err != nil {
			return // no action, or too large: never written
		}
		full, err := decodeEvent(b)
		if err != nil {
			return // an action that is not valid UTF-8 does not survive JSON
		}
		got, err := peekEvent(b)
		if err != nil {
			t.Fatalf("peekEvent(%s): %v", b, err)
		}
		if got.Action != full.Action || got.Intent != full.Intent {
			t.Fatalf("peekEvent(%s) = %q %v, decodeEvent = %q %v", b, got.Action, got.Intent, full.Action, full.Intent)
		}
	})
}

// TestEventSent: titles, senders and times round-trip through the stored
// form, and events from before they were recorded still read, with ids
// only.
func TestEventSent(t *testing.T) {
	at := time.Date(2025, 3, 12, 8, 39, 0, 0, time.UTC)
	tests := []struct {
		name    string
		in      Event
		wantErr bool
	}{
		{"conversation", Event{Action: ActionViewConversation, Conversation: "wa:desk", Title: "Trading desk",
			Messages: []string{"a", "b"}, Sent: []Sent{{"Bob Chen", at}, {"Алиса", at.Add(time.Minute)}}}, false},
		{"unknown time", Event{Action: ActionTagAdd, Tag: "hot", Messages: []string{"a"}, Sent: []Sent{{"", time.Time{}}}}, false},
		{"ids only", Event{Action: ActionExport, Messages: []string{"a", "b"}}, false},
		{"attachment", Event{Action: ActionSaveAttachment, Conversation: "email:x", Title: "Q3", Messages: []string{"a"},
			Sent: []Sent{{"Bob", at}}, Attachment: "report.csv", SHA256: "ab12", Target: "/home/r/report.csv"}, false},
		{"fewer senders than ids", Event{Action: ActionViewMessages, Messages: []string{"a", "b"}, Sent: []Sent{{"Bob", at}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Time = at
			b, err := encodeEvent(&tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("encode: %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got, err := decodeEvent(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.in) {
				t.Errorf("round trip of %s:\n got %+v\nwant %+v", b, *got, tc.in)
			}
		})
	}
	// As a trail written before titles and senders reads it.
	old := `{"t":1741768740000000000,"a":"view-conversation","c":"wa:desk","ids":["a","b"]}`
	e, err := decodeEvent([]byte(old))
	if err != nil || e.Title != "" || e.Sent != nil || len(e.Messages) != 2 {
		t.Errorf("old event: %+v, %v", e, err)
	}
	// A writer that lists times for some ids only wrote a malformed event.
	for _, bad := range []string{
		`{"t":1,"a":"view-messages","ids":["a","b"],"from":["x","y"],"at":[1]}`,
		`{"t":1,"a":"view-messages","ids":["a"],"at":[1]}`,
	} {
		if _, err := decodeEvent([]byte(bad)); err == nil {
			t.Errorf("decoded %s", bad)
		}
	}
}

func TestParseAction(t *testing.T) {
	for _, a := range Actions() {
		if got, err := ParseAction(string(a)); err != nil || got != a {
			t.Errorf("ParseAction(%q) = %q, %v", a, got, err)
		}
	}
	_, err := ParseAction("serch")
	if err == nil || !strings.Contains(err.Error(), `"serch"`) || !strings.Contains(err.Error(), "search, tag-add") {
		t.Errorf("ParseAction(serch): %v, want the valid names", err)
	}
}

// TestActionsListed: every Action constant is in Actions, so that
// ParseAction (coffer audit show --action, the auditor's filter) accepts
// each kind of event there is. A new action fails here until it is
// listed.
func TestActionsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "event.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Action" {
				continue
			}
			for _, val := range v.Values {
				lit, err := strconv.Unquote(val.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				consts = append(consts, lit)
			}
		}
	}
	if len(consts) < 10 {
		t.Fatalf("found %d Action constants in event.go; the test cannot read it", len(consts))
	}
	for _, c := range consts {
		if !slices.Contains(Actions(), Action(c)) {
			t.Errorf("action %q is not in Actions (the list in event.go)", c)
		}
	}
	if len(consts) != len(Actions()) {
		t.Errorf("event.go declares %d actions, Actions lists %d", len(consts), len(Actions()))
	}
}
