package audit

import "testing"

// FuzzPeekEvent: what peekEvent reads of an event encodeEvent wrote (its
// action and intent flag) is what the full decoder reads, whatever the
// event's strings hold; and no input makes it panic.
func FuzzPeekEvent(f *testing.F) {
	for _, a := range []Action{ActionSession, ActionImport, ActionSearch, ActionViewMessages, ActionCompact} {
		for _, intent := range []bool{false, true} {
			f.Add(string(a), `"i":true`, intent, 3)
		}
	}
	f.Add(`im"port`, `\"i\"`, false, -1)
	f.Add("member-add", "", true, 0)
	f.Fuzz(func(t *testing.T, action, text string, intent bool, count int) {
		peekEvent([]byte(text))
		e := Event{Action: Action(action), Query: text, Detail: text, Messages: []string{text}, Count: count, Intent: intent}
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
