package vault

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestComputeIDLongFields checks that fields hashed in place (past
// idInlineField) give the ID FORMAT.md specifies: SHA-256 over the
// length-prefixed fields, as one buffer.
func TestComputeIDLongFields(t *testing.T) {
	want := func(m *Message) string {
		var b []byte
		put := func(s string) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
		for _, s := range []string{"coffer message id v1", m.Source, m.Conversation.ID, m.Sender, m.SenderID,
			m.Time.UTC().Format(time.RFC3339Nano), m.Subject, m.Body, m.Provenance.OriginalID, strconv.Itoa(m.Seq)} {
			put(s)
		}
		for _, a := range m.Attachments {
			put(a.Name)
			put(a.SHA256)
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:16])
	}
	for _, n := range []int{0, 10, idInlineField, idInlineField + 1, 3*idInlineField + 7} {
		m := &Message{Source: "s", Conversation: Conversation{ID: "c"}, Sender: "ann", Time: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
			Subject: strings.Repeat("s", n/2), Body: strings.Repeat("b", n), Seq: 2,
			Attachments: []Attachment{{Name: strings.Repeat("n", n), SHA256: "00"}}}
		if got, w := ComputeID(m), want(m); got != w {
			t.Errorf("fields of %d bytes: %s, want %s", n, got, w)
		}
	}
}

// TestValidateUnknownTime checks that a message is kept without a time
// only when its provenance says the time is unknown, and that such a
// message sorts after every dated one.
func TestValidateUnknownTime(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		t       time.Time
		source  string
		wantErr bool
	}{
		{"dated", at, "", false},
		{"dated from Received", at, TimeFromReceived, false},
		{"unknown", time.Time{}, TimeUnknown, false},
		{"no time, not marked", time.Time{}, "", true},
		{"no time, marked from Date", time.Time{}, TimeFromDate, true},
		{"time but marked unknown", at, TimeUnknown, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{Source: "email", Conversation: Conversation{ID: "c"}, Time: tc.t,
				Provenance: Provenance{TimeSource: tc.source}}
			if err := Validate(m); (err != nil) != tc.wantErr {
				t.Fatalf("Validate: %v, want error %v", err, tc.wantErr)
			}
		})
	}
	dated := &Message{ID: "b", Time: at}
	unknown := &Message{ID: "a"}
	if CompareTime(unknown, dated) <= 0 || CompareTime(dated, unknown) >= 0 || CompareTime(unknown, unknown) != 0 {
		t.Fatal("an unknown time does not sort after a dated one")
	}
}

// TestAppendRFC3339Nano checks ComputeID's timestamp formatter against
// the standard library's over edge and random instants: a difference
// would change every message's ID.
func TestAppendRFC3339Nano(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 100, time.FixedZone("", 5*3600+1800)),
		time.Date(2024, 2, 29, 12, 0, 0, 120000000, time.FixedZone("", -7*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1<<40, 5),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		times = append(times, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)).In(time.FixedZone("", (r.IntN(49)-24)*1800)))
	}
	for _, tm := range times {
		want := tm.UTC().Format(time.RFC3339Nano)
		if got := string(appendRFC3339Nano(nil, tm)); got != want {
			t.Fatalf("appendRFC3339Nano(%v) = %q, want %q", tm, got, want)
		}
	}
}
