package ingest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"
)

// TestEmailHeaderClasses: the header classes of issue 17 §2, as real
// mail has them. Each row failed before the change that made it pass,
// except those marked as holding already (kept so they stay so).
func TestEmailHeaderClasses(t *testing.T) {
	const date = "Date: Mon, 2 Jan 2006 15:04:05 +0000\n"
	for _, tc := range []struct {
		name  string
		raw   string
		check func(t *testing.T, m *vaultMessage)
	}{
		{"empty In-Reply-To and References before filled ones (held)",
			date + "From: a@x.org\nSubject: s\nIn-Reply-To:\nIn-Reply-To: <p@x.org>\nReferences: \nReferences: <r@x.org> <p@x.org>\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Conversation.ID != "<r@x.org>" || m.ReplyTo != "email:<p@x.org>" {
					t.Errorf("conversation %q, reply to %q", m.Conversation.ID, m.ReplyTo)
				}
			}},
		{"filled In-Reply-To and References before empty ones (held)",
			date + "From: a@x.org\nSubject: s\nReferences: <r@x.org>\nIn-Reply-To: <p@x.org>\nIn-Reply-To: \nReferences:\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Conversation.ID != "<r@x.org>" || m.ReplyTo != "email:<p@x.org>" {
					t.Errorf("conversation %q, reply to %q", m.Conversation.ID, m.ReplyTo)
				}
			}},
		{"two From headers (held)",
			date + "From: Ann <ann@x.org>\nFrom: Bob <bob@x.org>\nTo: cid@x.org\nSubject: s\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				hasParticipants(t, m, "ann@x.org", "bob@x.org", "cid@x.org")
				if m.SenderID != "ann@x.org" || !strings.Contains(m.Headers["From"], "bob@x.org") {
					t.Errorf("sender %q, From %q", m.SenderID, m.Headers["From"])
				}
			}},
		{"addresses without a comma between them (held)",
			date + "From: Bob Dunite <bob@extern> Bobby Dunite <bobby@extern>\nTo: alice@intern\nSubject: s\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				hasParticipants(t, m, "bob@extern", "bobby@extern", "alice@intern")
				if m.Sender != "Bob Dunite" {
					t.Errorf("sender %q", m.Sender)
				}
			}},
		{"Lotus Notes IMCEANOTES addresses in From and X-From",
			date + "From: IMCEANOTES-Rosalee+20Fleming+2FHOU+2FECT+40ECT@ENRON.com\n" +
				"X-From: \"Fleming, Rosalee\" <IMCEANOTES-Rosalee+20Fleming+2FHOU+2FECT+40ECT@ENRON.com>\n" +
				"To: IMCEANOTES-+22Jeff+20Dasovich+22+20+3Cjeff+2Edasovich+40enron+2Ecom+3E+40ENRON@ENRON.com\n" +
				"X-To: Jeff Dasovich\nSubject: s\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Sender != "Rosalee Fleming" || m.SenderID != "imceanotes-rosalee+20fleming+2fhou+2fect+40ect@enron.com" {
					t.Errorf("sender %q <%s>", m.Sender, m.SenderID)
				}
				hasParticipants(t, m, "imceanotes-rosalee+20fleming+2fhou+2fect+40ect@enron.com", "jeff.dasovich@enron.com")
				if !strings.Contains(m.Headers["X-From"], "IMCEANOTES-Rosalee") || m.Headers["X-To"] != "Jeff Dasovich" {
					t.Errorf("X-From %q, X-To %q not kept", m.Headers["X-From"], m.Headers["X-To"])
				}
			}},
		{"an encoded word that decodes to an encoded word (held)",
			date + "From: a@x.org\nSubject: =?utf-8?B?PT9pc28tODg1OS0xP1E/Q2FmPUU5Pz0=?=\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Subject != "Café" {
					t.Errorf("subject %q", m.Subject)
				}
			}},
		{"an encoded word labelled us-ascii holding Latin-1",
			date + "From: a@x.org\nSubject: =?us-ascii?Q?Caf=E9?=\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Subject != "Café" {
					t.Errorf("subject %q", m.Subject)
				}
			}},
		{"an encoded word in an unknown charset",
			date + "From: a@x.org\nSubject: =?x-unknown?Q?Caf=C3=A9?=\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Subject != "Café" {
					t.Errorf("subject %q", m.Subject)
				}
			}},
		{"a raw Big5 subject, labelled nowhere",
			date + "From: a@x.org\nSubject: " + mustBig5(t, "會議記錄與下週的預算報告") + "\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Subject != "會議記錄與下週的預算報告" {
					t.Errorf("subject %q", m.Subject)
				}
			}},
		{"a raw Latin-1 subject, labelled nowhere",
			date + "From: a@x.org\nSubject: Fr\xf6sche und K\xe4se\n\nb\n",
			func(t *testing.T, m *vaultMessage) {
				if m.Subject != "Frösche und Käse" {
					t.Errorf("subject %q", m.Subject)
				}
			}},
		{"a body labelled us-ascii sent in ISO-8859-1 (held)",
			date + "From: a@x.org\nSubject: s\nContent-Type: text/plain; charset=us-ascii\n\nVoil\xe0 le caf\xe9 cr\xe8me br\xfbl\xe9e du d\xe9jeuner.\n",
			func(t *testing.T, m *vaultMessage) {
				if !strings.Contains(m.Body, "Voilà le café crème") {
					t.Errorf("body %q", m.Body)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseEmail([]byte(tc.raw), emailSource{format: "eml", file: "x.eml", position: "message 1"}, time.Time{}, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			checkEmitted(t, m)
			tc.check(t, m)
		})
	}
}

func mustBig5(t *testing.T, s string) string {
	b, err := traditionalchinese.Big5.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasParticipants(t *testing.T, m *vaultMessage, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(m.Conversation.Participants, w) {
			t.Errorf("participants %q lack %q", m.Conversation.Participants, w)
		}
	}
}
