package ingest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffer/vault"
)

// mailWant is what a test expects of one message: sender, time (RFC
// 3339, UTC), subject, and the start of the body (after trimming space).
type mailWant struct{ sender, time, subject, body string }

// mailCase is one real sample file and what importing it must give.
type mailCase struct {
	file string
	// shared names the ../shared/samples folder of a sample we may not
	// redistribute (GPL); "" means testdata/email.
	shared      string
	format      Format
	count       int
	first, last mailWant
	// noDate marks samples with no Date, Received or envelope date: a
	// strict import must keep every message with an unknown time; the
	// remaining facts are checked on a copy with a Date header added.
	noDate bool
	check  func(t *testing.T, ms []*vaultMessage)
}

// mailAddedDate is the Date header added to noDate samples.
const mailAddedDate = "Date: Thu, 01 Jan 2015 09:30:00 +0100\r\n"

func (c mailCase) path(t *testing.T) string {
	if c.shared != "" {
		return filepath.Join(sharedSamples(t, c.shared), c.file)
	}
	return filepath.Join("testdata", "email", c.file)
}

func hasAttachment(t *testing.T, m *vaultMessage, name, typ string) {
	t.Helper()
	var names []string
	for _, a := range m.Attachments {
		if a.Name == name && (typ == "" || a.Type == typ) {
			if a.Size != int64(len(a.Content)) || len(a.SHA256) != 64 {
				t.Errorf("attachment %q: size %d, content %d bytes, sha %q", name, a.Size, len(a.Content), a.SHA256)
			}
			return
		}
		names = append(names, a.Name+" ("+a.Type+")")
	}
	t.Errorf("no attachment %q (%s); have %q", name, typ, names)
}

func bodyHas(t *testing.T, m *vaultMessage, sub string) {
	t.Helper()
	if !strings.Contains(m.Body, sub) {
		t.Errorf("body lacks %q: %.300q", sub, m.Body)
	}
}

func warned(t *testing.T, m *vaultMessage, sub string) {
	t.Helper()
	if !strings.Contains(m.Headers[mailWarningsHeader], sub) {
		t.Errorf("warnings lack %q: %q", sub, m.Headers[mailWarningsHeader])
	}
}

func convIs(t *testing.T, m *vaultMessage, id string) {
	t.Helper()
	if m.Conversation.ID != id {
		t.Errorf("conversation = %q, want %q", m.Conversation.ID, id)
	}
}

const (
	notmuchThread   = "<ddd65cda0911171950o4eea4389v86de9525e46052d3@mail.gmail.com>"
	patchworkCover1 = "<1473632524-8585-1-git-send-email-stephenfinucane@gmail.com>"
)

var mailCases = []mailCase{
	// Enron maildir files (MIT repository, public corpus).
	{file: "accumulo-starter__enron_allen-p__sent_mail_1.eml", format: EML, count: 1,
		first: mailWant{"phillip.allen@enron.com", "2001-05-14T23:39:00Z", "", "Here is our forecast"},
		check: func(t *testing.T, ms []*vaultMessage) {
			m := ms[0]
			if m.Offset != -7*3600 || m.Headers["X-Folder"] == "" || !slices.Equal(m.To, []string{"tim.belden@enron.com"}) {
				t.Errorf("offset %d, X-Folder %q, To %q", m.Offset, m.Headers["X-Folder"], m.To)
			}
			convIs(t, m, "<18782981.1075855378110.JavaMail.evans@thyme>")
		}},
	{file: "accumulo-starter__enron_mcconnell-m_all_documents_520.eml", format: EML, count: 1,
		first: mailWant{"enron.announcements@enron.com", "2000-12-21T02:02:00Z", "Re-Alignment", "Thanks to all of you, En"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// A subject that merely starts with "Re" is not a reply.
			if ms[0].Conversation.Title != "Re-Alignment" || len(ms[0].To) < 20 || ms[0].Headers["Bcc"] == "" {
				t.Errorf("title %q, %d addressees, Bcc %q", ms[0].Conversation.Title, len(ms[0].To), ms[0].Headers["Bcc"])
			}
		}},
	{file: "accumulo-starter__enron_skilling-j_inbox_1.eml", format: EML, count: 1,
		first: mailWant{"dorsey@enron.com", "2001-06-06T17:46:14Z", "", "Executive Committee Week"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// "a..bibi@enron.com" is not a valid address: the list is
			// salvaged token by token rather than dropped.
			if !slices.Contains(ms[0].To, "a..bibi@enron.com") || len(ms[0].To) < 90 {
				t.Errorf("To has %d addresses: %q", len(ms[0].To), ms[0].To)
			}
			warned(t, ms[0], "malformed To header")
		}},
	{file: "accumulo-starter__enron_slinger-r_inbox_28.eml", format: EML, count: 1,
		first: mailWant{"david.steiner@enron.com", "2001-11-30T04:11:14Z", "Paul Kane Resigns", "I regret to announce tha"}},

	// enmime's own fixtures, including its low-quality ones: they must
	// import, with the damage noted in the warnings.
	{file: "enmime__low-quality_bad-final-boundary.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2012-10-19T05:48:39Z", "Attachment", "A text section"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "foo_9E5D72.zip", "application/x-zip-compressed")
			warned(t, ms[0], "was not closed correctly")
		}},
	{file: "enmime__low-quality_incorrect-charset.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2012-10-19T05:48:39Z", "plain text", "Using Unicode/UTF-8, you"},
		check: func(t *testing.T, ms []*vaultMessage) {
			bodyHas(t, ms[0], "∮ E⋅da = Q")
			warned(t, ms[0], `declared charset "us-ascii", detected "UTF-8"`)
		}},
	{file: "enmime__low-quality_malformed-base64-attach.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2012-10-19T05:48:39Z", "Attachment", "A text section"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "some.doc", "application/msword")
			warned(t, ms[0], "Malformed Base64")
		}},
	{file: "enmime__mail_ctype-bug.raw", format: EML, count: 1,
		first: mailWant{"Papertrail", "2015-07-10T20:12:33Z", "Welcome to Papertrail", "What's next? Head over t"},
		check: func(t *testing.T, ms []*vaultMessage) { hasAttachment(t, ms[0], "body.html", "text/html") }},
	{file: "enmime__mail_html-mime-inline.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2012-10-13T22:33:07Z", "MIME test 1", "Test of text section"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "favicon.png", "image/png")
		}},
	{file: "enmime__mail_malformed-multiple-address-header-values.raw", format: EML, count: 1, noDate: true,
		first: mailWant{"Bob Dunite", "2015-01-01T08:30:00Z", "Test", ""},
		check: func(t *testing.T, ms []*vaultMessage) {
			m := ms[0]
			if m.SenderID != "bob@extern" || !slices.Contains(m.Conversation.Participants, "bobby@extern") {
				t.Errorf("sender id %q, participants %q", m.SenderID, m.Conversation.Participants)
			}
			if len(m.Attachments) != 2 {
				t.Errorf("want the pdf and the txt attachment, got %d", len(m.Attachments))
			}
			for _, a := range m.Attachments {
				if a.Type == "application/pdf" && !strings.HasSuffix(a.Name, ".pdf") {
					t.Errorf("pdf named %q", a.Name)
				}
			}
		}},
	{file: "enmime__mail_mime-bad-8bit-filename.raw", format: EML, count: 1,
		first: mailWant{"Pavel Bazika", "2021-02-22T05:29:24Z", "Malformed test", "Text part"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "管理.doc", "application/msword")
			convIs(t, ms[0], "subject:malformed test")
		}},
	{file: "enmime__mail_mime-signed.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2012-10-19T19:22:49Z", "Multipart Signed", "Section one"},
		check: func(t *testing.T, ms []*vaultMessage) {
			bodyHas(t, ms[0], "Section two")
			hasAttachment(t, ms[0], "signature.asc", "application/pgp-signature")
		}},
	{file: "enmime__mail_other-multi-related.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2018-03-12T14:01:13Z", "MIME test 1", "Plain text."},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "image001.png", "image/png")
			hasAttachment(t, ms[0], "image002.png", "image/png")
		}},
	{file: "enmime__mail_qp-utf8-header.raw", format: EML, count: 1,
		first: mailWant{"James Hillyerd", "2012-10-19T19:22:49Z", "MIME UTF8 Test ¢ More Text", "Lorem ipsum dolor sit am"}},
	{file: "enmime__parts_chardet-success-big-5.raw", format: EML, count: 1, noDate: true,
		first: mailWant{"", "2015-01-01T08:30:00Z", "", "顏是家訓  北齊  顏之推"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// Labelled us-ascii, detected and decoded as Big5.
			bodyHas(t, ms[0], "夫九州之人，言語不同")
			convIs(t, ms[0], "subject:")
		}},

	{file: "langchain-community__fake-email-attachment.eml", format: EML, count: 1,
		first: mailWant{"Mallori Harrell", "2022-12-23T18:08:48Z", "Fake email with attachment", "Hello!"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "fake-attachment.txt", "text/plain")
		}},

	// stalwartlabs/mail-parser fixtures.
	{file: "mail-parser__legacy_008.eml", format: EML, count: 1,
		first: mailWant{"Doug Sauder", "2000-05-17T23:32:47Z", "Test message from Microsoft Outlook 00", "The Hare and the Tortois"},
		check: func(t *testing.T, ms []*vaultMessage) {
			for _, n := range []string{"blueball.png", "greenball.png", "redball.png"} {
				hasAttachment(t, ms[0], n, "image/png")
			}
			if !strings.Contains(ms[0].Headers["To"], "Heinz Müller") {
				t.Errorf("RFC 2047 ISO-8859-1 To name not decoded: %q", ms[0].Headers["To"])
			}
		}},
	{file: "mail-parser__legacy_015.eml", format: EML, count: 1,
		// Raw 8-bit bytes inside an encoded word still decode.
		first: mailWant{"Doug Sauder", "2000-05-19T04:36:58Z", "Die Hasen und die Frösche", "Die Hasen und die Frösch"}},
	{file: "mail-parser__legacy_021.eml", format: EML, count: 1,
		first: mailWant{"Doug Sauder", "2000-05-17T23:47:24Z", "Test message from Microsoft Outlook 00", "The Hare and the Tortois"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// Three images and the HTML alternative as sent.
			if len(ms[0].Attachments) != 4 {
				t.Errorf("want 4 attachments, got %d", len(ms[0].Attachments))
			}
			hasAttachment(t, ms[0], "body.html", "text/html")
		}},
	{file: "mail-parser__malformed_016.eml", format: EML, count: 1, noDate: true,
		first: mailWant{"", "2015-01-01T08:30:00Z", "", "1"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// Boundaries that are prefixes of each other: the parts are
			// not lost, whatever nesting enmime settles on.
			for _, s := range []string{"22", "333", "4444"} {
				bodyHas(t, ms[0], s)
			}
		}},
	{file: "mail-parser__thirdparty_015.eml", format: EML, count: 1,
		first: mailWant{"Jonas Sterr - ProxForge", "2026-02-13T21:38:16Z", "Re: (#5290765) Proxmox Shop E-Mails", "Hallo Stoiko,"},
		check: func(t *testing.T, ms []*vaultMessage) {
			m := ms[0]
			if m.Conversation.Title != "(#5290765) Proxmox Shop E-Mails" {
				t.Errorf("title %q", m.Conversation.Title)
			}
			n := 0
			for _, a := range m.Attachments {
				if a.Type == "message/rfc822" {
					n++
				}
			}
			if n != 3 {
				t.Errorf("want 3 attached messages, got %d", n)
			}
			// The attached mails' text is searchable in the body.
			if c := strings.Count(m.Body, "---------- attached message ----------"); c != 3 {
				t.Errorf("%d attached message texts in the body, want 3", c)
			}
		}},

	// mikel/mail fixtures.
	{file: "mail__attachment_message_rfc822.eml", format: EML, count: 1,
		first: mailWant{"foo@example.com", "2005-06-06T20:21:22Z", "testing", "This is the first part."},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "broken.pdf", "application/pdf")
			hasAttachment(t, ms[0], "ForwardedMessage.eml", "message/rfc822")
			bodyHas(t, ms[0], "---------- attached message ----------")
		}},
	{file: "mail__attachment_nonascii_filename.eml", format: EML, count: 1,
		first: mailWant{"foo@example.com", "2005-06-06T20:21:22Z", "testing", "This is the first part."},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "ciële.txt", "text/plain")
		}},
	{file: "mail__attachment_with_encoded_name.eml", format: EML, count: 1,
		first: mailWant{"xxxxxxxxx xxxxxxx", "2005-05-08T19:09:11Z", "Fwd: Signed email causes file attachments", "We should not include th"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// name*=iso-2022-jp'ja'...%8a...: bytes that are not
			// ISO-2022-JP, read as Windows-1252.
			hasAttachment(t, ms[0], "01 Quien Te DijŠat. Pitbull.mp3", "application/octet-stream")
			if ms[0].Conversation.Title != "Signed email causes file attachments" {
				t.Errorf("title %q", ms[0].Conversation.Title)
			}
		}},
	{file: "mail__bad_date_header.eml", format: EML, count: 1,
		// The newest (topmost) Received header's date; the one below it
		// is 3 h later by a skewed clock.
		first: mailWant{"Grants-Notification", "2010-12-11T03:20:19Z", "You may_be Eligible for Legitimate_Cash from_GovAgencies!", ""},
		check: func(t *testing.T, ms []*vaultMessage) {
			warned(t, ms[0], "time taken from the Received header")
			timeFrom(t, ms[0], vault.TimeFromReceived)
			// In-Reply-To without angle brackets still threads.
			convIs(t, ms[0], "<someone@yahoo.com>")
		}},
	{file: "mail__content_transfer_encoding_x_uuencode.eml", format: EML, count: 1,
		first: mailWant{"Lon L. Peters", "2002-01-10T21:59:53Z", "PGP Comments on RTO West Release of Dec. 14", "Attached are the comment"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "PGP_Cmts_on_12-14-01_Pkg.doc", "application/msword")
			warned(t, ms[0], "x-uuencode")
		}},
	{file: "mail__empty_in_reply_to.eml", format: EML, count: 1,
		first: mailWant{"Andrey Kuznetsov", "2009-09-19T15:49:36Z", "illegal copy of our patient education software", ""},
		check: func(t *testing.T, ms []*vaultMessage) {
			if ms[0].ReplyTo != "" {
				t.Errorf("empty In-Reply-To gave ReplyTo %q", ms[0].ReplyTo)
			}
			convIs(t, ms[0], "<F194F88AF3E341A6B2B135CC17912811@articondell>")
		}},
	{file: "mail__encoding_madness.eml", format: EML, count: 1,
		first: mailWant{"no-reply@crm.el-example.org", "2010-09-22T07:30:53Z", "eBay Bid - 2008 Ford Super Duty F-350 DRW King Ranch Crew Cab 4x4 (156) - Stock# XXXX", "Body Text"}},
	{file: "mail__japanese_iso_2022.eml", format: EML, count: 1, noDate: true,
		first: mailWant{"Mikel Lindsaar", "2015-01-01T08:30:00Z", "まみむめも", "すみません。"},
		check: func(t *testing.T, ms []*vaultMessage) {
			if ms[0].Conversation.Title != "まみむめも" || !strings.Contains(ms[0].Headers["To"], "みける") {
				t.Errorf("title %q, To %q", ms[0].Conversation.Title, ms[0].Headers["To"])
			}
		}},
	{file: "mail__japanese_shift_jis.eml", format: EML, count: 1,
		first: mailWant{"xxxxxxx@docomo.ne.jp", "2014-05-28T08:18:19Z", "test", "あいうえお"},
		check: func(t *testing.T, ms []*vaultMessage) {
			bodyHas(t, ms[0], "このメールはテスト用のメールです")
		}},
	{file: "mail__ks_c_5601-1987.eml", format: EML, count: 1,
		first: mailWant{"from@example.com", "2014-05-28T08:18:19Z", "test", "스티해"}},
	{file: "mail__multiple_references_with_one_invalid.eml", format: EML, count: 1, noDate: true,
		first: mailWant{"redacted@flashmail.net", "2015-01-01T08:30:00Z", "Redacted", ""},
		check: func(t *testing.T, ms []*vaultMessage) {
			// The first References entry is the thread root.
			convIs(t, ms[0], "<foo@bar.net>")
		}},
	{file: "mail__raw_email_reply.eml", format: EML, count: 1,
		first: mailWant{"Testing", "2007-11-18T08:56:07Z", "Re: Test reply email", "Message body"},
		check: func(t *testing.T, ms []*vaultMessage) {
			if ms[0].Conversation.Title != "Test reply email" || !strings.HasPrefix(ms[0].ReplyTo, "email:<") {
				t.Errorf("title %q, reply to %q", ms[0].Conversation.Title, ms[0].ReplyTo)
			}
		}},
	{file: "mail__raw_email_with_nested_attachment.eml", format: EML, count: 1,
		first: mailWant{"Jamis Buck", "2007-02-22T18:20:31Z", "Testing attachments", "Here is a test of an att"},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[0], "truncated.png", "image/png")
			hasAttachment(t, ms[0], "smime.p7s", "application/pkcs7-signature")
		}},
	{file: "mail__report_422.eml", format: EML, count: 1,
		first: mailWant{"Mail Delivery Subsystem", "2008-01-16T16:40:52Z", "Warning: could not send message for past 8 hours", "************************"},
		check: func(t *testing.T, ms []*vaultMessage) {
			var types []string
			for _, a := range ms[0].Attachments {
				types = append(types, a.Type)
			}
			if !slices.Contains(types, "message/delivery-status") || !slices.Contains(types, "text/rfc822-headers") {
				t.Errorf("bounce parts: %q", types)
			}
		}},
	{file: "mail__utf8_headers.eml", format: EML, count: 1, noDate: true,
		first: mailWant{"Jöhn Doe", "2015-01-01T08:30:00Z", "Säying Hello", ""},
		check: func(t *testing.T, ms []*vaultMessage) {
			if ms[0].SenderID != "jdöe@mächine.example" || !slices.Equal(ms[0].To, []string{"märy@exämple.net"}) {
				t.Errorf("RFC 6532 addresses: %q -> %q", ms[0].SenderID, ms[0].To)
			}
		}},

	// notmuch list mail (GPL-3.0): one thread across three files.
	{file: "notmuch__default_cur_31.eml", shared: "eml", format: EML, count: 1,
		first: mailWant{"Jjgod Jiang", "2009-11-18T03:50:17Z", "[notmuch] Mac OS X/Darwin compatibility issues", "Hi,"},
		check: func(t *testing.T, ms []*vaultMessage) { convIs(t, ms[0], notmuchThread) }},
	{file: "notmuch__default_cur_34.eml", shared: "eml", format: EML, count: 1,
		first: mailWant{"Alexander Botero-Lowry", "2009-11-18T05:45:36Z", "[notmuch] Mac OS X/Darwin compatibility issues", "On Wed, 18 Nov 2009 11:5"},
		check: func(t *testing.T, ms []*vaultMessage) {
			convIs(t, ms[0], notmuchThread)
			if ms[0].ReplyTo != "email:"+notmuchThread {
				t.Errorf("reply to %q", ms[0].ReplyTo)
			}
		}},
	{file: "notmuch__default_cur_35.eml", shared: "eml", format: EML, count: 1,
		first: mailWant{"Jjgod Jiang", "2009-11-18T06:14:27Z", "[notmuch] Mac OS X/Darwin compatibility issues", "Hi,"},
		check: func(t *testing.T, ms []*vaultMessage) { convIs(t, ms[0], notmuchThread) }},
	{file: "notmuch__default_cur_52.eml", shared: "eml", format: EML, count: 1,
		first: mailWant{"François Boulogne", "2010-12-29T14:07:54Z", "Re: [aur-general] Guidelines: cp, mkdir vs install", "Le 29/12/2011 11:13, All"},
		check: func(t *testing.T, ms []*vaultMessage) { bodyHas(t, ms[0], "a écrit") }},
	{file: "notmuch__default_cur_53.eml", shared: "eml", format: EML, count: 1,
		first: mailWant{"Olivier Berger", "2010-12-16T15:49:59Z", "Essai accentué", "Du texte accentué pour ç"}},

	// mailgun/talon replies.
	{file: "talon__android.eml", format: EML, count: 1,
		first: mailWant{"Sergey Obykhov", "2012-04-02T14:22:10Z", "Re: Test", "Hello"},
		check: func(t *testing.T, ms []*vaultMessage) { bodyHas(t, ms[0], "пользователь") }},
	{file: "talon__gmail.eml", format: EML, count: 1,
		first: mailWant{"Megan One", "2012-04-02T16:21:52Z", "Re: Test", "Hello"}},
	{file: "talon__outlook.eml", format: EML, count: 1, noDate: true,
		first: mailWant{"me@example.com", "2015-01-01T08:30:00Z", "Test", "Hello"},
		check: func(t *testing.T, ms []*vaultMessage) { bodyHas(t, ms[0], "The manager has commented on your Loop") }},
	{file: "talon__reply-quotations-share-block.eml", format: EML, count: 1,
		first: mailWant{"Joe Doe", "2012-04-05T05:22:42Z", "Re: You've got a new booking inquiry!", "Hi Katharine."},
		check: func(t *testing.T, ms []*vaultMessage) {
			// No Message-ID, References or In-Reply-To: threaded by subject.
			convIs(t, ms[0], "subject:you've got a new booking inquiry!")
		}},
	{file: "talon__yahoo.eml", format: EML, count: 1,
		first: mailWant{"Alex Q", "2012-04-02T13:45:30Z", "Re: Test", "Hello"}},

	// mbox files.
	{file: "MimeKit__content-length.mbox.txt", format: Mbox, count: 29,
		first: mailWant{"mailusr1@navstar1.mcom.com", "1996-07-22T01:02:55Z", "Re: mailusr1@navstar1 3.0b6gold #1", "default echo 1"},
		last:  mailWant{"Dr. Mark K. Joseph", "1996-09-27T16:36:54Z", "RE: problem with relative urls and applets", "On Thu, 26 Sep 1996 18:3"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// Message 4 is HTML only: the body is a text rendering, the
			// HTML is kept as sent.
			if strings.Contains(strings.ToLower(ms[3].Body), "<html") || !strings.Contains(ms[3].Body, "your fixed-width text") {
				t.Errorf("HTML-only body not rendered as text: %.200q", ms[3].Body)
			}
			hasAttachment(t, ms[3], "body.html", "text/html")
			warned(t, ms[3], "Plain Text from HTML")
			// Message 5 (Content-Length: 747282) carries a 550 KB TIFF.
			hasAttachment(t, ms[4], `C:¥win95¥TEMP¥nsmailRJ.tiff`, "image/tiff")
			for i, m := range ms {
				if !strings.HasPrefix(m.Provenance.Position, "line ") || strings.HasPrefix(m.Body, "From ") {
					t.Errorf("message %d: position %q body %.40q", i+1, m.Provenance.Position, m.Body)
				}
			}
			if ms[1].Provenance.Position != "line 53" || ms[28].Provenance.Position != "line 13444" {
				t.Errorf("positions %q, %q", ms[1].Provenance.Position, ms[28].Provenance.Position)
			}
		}},
	{file: "MimeKit__issue1189.mbox.txt", format: Mbox, count: 4,
		first: mailWant{"Sender", "2025-09-26T17:18:40Z", "Message 1", "Body of message 1."},
		last:  mailWant{"Sender", "2025-09-26T17:19:54Z", "Message 4", "Body of message 4."},
		check: func(t *testing.T, ms []*vaultMessage) {
			hasAttachment(t, ms[1], "Attachment.zip", "application/x-zip-compressed")
			for _, a := range ms[1].Attachments {
				if a.Name == "Attachment.zip" && !strings.HasPrefix(string(a.Content), "7z\xbc\xaf") {
					t.Errorf("attachment content %.8q is not the 7z archive", a.Content)
				}
			}
		}},
	{file: "MimeKit__simple.mbox.txt", format: Mbox, count: 3,
		first: mailWant{"fejj@gnome.org", "2002-08-23T06:32:53Z", "this'll probably break a lot of mime parsers", "Hello world."},
		last:  mailWant{"fejj@gnome.org", "2002-08-23T06:32:53Z", "if a mime parser can correctly handle this, I'm impressed", "--"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// boundary="" cannot be parsed: kept as text, with a warning.
			warned(t, ms[2], "body kept as plain text")
			bodyHas(t, ms[2], "Hello world.")
		}},
	{file: "MimeKit__unmunged.mbox.txt", format: Mbox, count: 2, noDate: true,
		first: mailWant{"Jeffrey Stedfast", "2015-01-01T08:30:00Z", "This is a test message with an unmunged From line", "This is my favourite Jam"},
		last:  mailWant{"Jeffrey Stedfast", "2015-01-01T08:30:00Z", "Another test message with an unmunged From line", "This is my favourite Jam"},
		check: func(t *testing.T, ms []*vaultMessage) {
			// "From Russia with love" is body text, not a new message.
			bodyHas(t, ms[0], "\nFrom Russia with love\n")
			bodyHas(t, ms[1], "Year: 1963")
		}},
	{file: "cpython__mailbox_01.mbox", format: Mbox, count: 1,
		first: mailWant{"foo", "2022-08-07T11:40:37Z", "unquoted From in body; extra info on From line", "Hello"},
		check: func(t *testing.T, ms []*vaultMessage) {
			bodyHas(t, ms[0], "From time to time")
			warned(t, ms[0], "time taken from the mbox From line")
			timeFrom(t, ms[0], vault.TimeFromFromLine)
			if ms[0].Provenance.Timezone != "UTC" {
				t.Errorf("zoneless envelope date: timezone %q not recorded", ms[0].Provenance.Timezone)
			}
		}},
	{file: "patchwork__0010-invalid-charset.mbox", shared: "mbox", format: Mbox, count: 1,
		first: mailWant{"Joseph S. Myers", "2014-06-04T17:50:46Z", "Fix pow overflow in non-default rounding modes (bug 16315)", "This patch, relative to "},
		check: func(t *testing.T, ms []*vaultMessage) { warned(t, ms[0], `charset "none"`) }},
	{file: "patchwork__0014-with-unencoded-utf8-headers.mbox", shared: "mbox", format: Mbox, count: 1,
		first: mailWant{"Rafał Miłecki", "2016-06-01T20:00:54Z", "MAINTAINERS: Update entry for BCM5301X ARM to include Rafał Miłecki", "Add myself as I contribu"}},
	{file: "patchwork__base-deep-threaded.mbox", shared: "mbox", format: Mbox, count: 3,
		first: mailWant{"Stephen Finucane", "2016-09-11T22:22:02Z", "[PATCH 0/2] A sample series", "From: Stephen Finucane"},
		last:  mailWant{"Stephen Finucane", "2016-09-11T22:22:04Z", "[PATCH 2/2] test: Convert to Markdown", "From: Stephen Finucane"},
		check: func(t *testing.T, ms []*vaultMessage) {
			convIs(t, ms[0], patchworkCover1)
			convIs(t, ms[1], patchworkCover1)
			// Patch 2's References names only patch 1, not the cover: with
			// no state across messages, the first References entry is the
			// best root there is.
			convIs(t, ms[2], "<1473632524-8585-2-git-send-email-stephenfinucane@gmail.com>")
		}},
	{file: "patchwork__revision-threaded-to-cover.mbox", shared: "mbox", format: Mbox, count: 6,
		first: mailWant{"Stephen Finucane", "2016-09-11T22:22:02Z", "[PATCH 0/2] A sample series", "From: Stephen Finucane"},
		last:  mailWant{"Stephen Finucane", "2016-09-11T22:30:55Z", "[PATCH v2 2/2] test: Convert to Markdown", "From: Stephen Finucane"},
		check: func(t *testing.T, ms []*vaultMessage) {
			for _, m := range ms {
				convIs(t, m, patchworkCover1)
			}
		}},
}

func TestEmailSamples(t *testing.T) {
	for _, c := range mailCases {
		t.Run(c.file, func(t *testing.T) {
			p := c.path(t)
			if !c.format.Detect(p) {
				t.Errorf("%s.Detect = false", c.format.Name)
			}
			if c.noDate {
				ms := collect(t, c.format, p, Options{})
				if len(ms) != c.count {
					t.Fatalf("dateless sample: got %d messages, want %d", len(ms), c.count)
				}
				for _, m := range ms {
					if !m.Time.IsZero() || m.Provenance.TimeSource != vault.TimeUnknown {
						t.Fatalf("dateless sample: time %v from %q, want unknown", m.Time, m.Provenance.TimeSource)
					}
					warned(t, m, "date unknown")
				}
				p = withDate(t, p, c.format.Name == "mbox")
			}
			ms := collect(t, c.format, p, Options{Location: time.UTC})
			if len(ms) != c.count {
				t.Fatalf("got %d messages, want %d", len(ms), c.count)
			}
			last := c.last
			if last == (mailWant{}) {
				last = c.first
			}
			checkMail(t, "first", ms[0], c.first)
			checkMail(t, "last", ms[len(ms)-1], last)
			for _, m := range ms {
				checkProvenance(t, m, c.format.Name, filepath.Base(p))
			}
			if c.check != nil {
				c.check(t, ms)
			}
		})
	}
}

func checkMail(t *testing.T, which string, m *vaultMessage, w mailWant) {
	t.Helper()
	got := mailWant{m.Sender, m.Time.Format(time.RFC3339), m.Subject, strings.TrimSpace(m.Body)}
	if got.sender != w.sender || got.time != w.time || got.subject != w.subject || !strings.HasPrefix(got.body, w.body) {
		t.Errorf("%s message:\n got sender %q time %s subject %q body %.60q\nwant sender %q time %s subject %q body %q...",
			which, got.sender, got.time, got.subject, got.body, w.sender, w.time, w.subject, w.body)
	}
}

func timeFrom(t *testing.T, m *vaultMessage, source string) {
	t.Helper()
	if m.Provenance.TimeSource != source {
		t.Errorf("time from %q, want %q", m.Provenance.TimeSource, source)
	}
}

func checkProvenance(t *testing.T, m *vaultMessage, format, file string) {
	t.Helper()
	p := m.Provenance
	switch p.TimeSource {
	case vault.TimeFromDate, vault.TimeFromReceived, vault.TimeFromFromLine:
	default:
		t.Errorf("time source %q", p.TimeSource)
	}
	if m.Source != "email" || p.Format != format || p.File != file || len(p.FileSHA256) != 64 ||
		p.Position == "" || m.ID == "" || m.Conversation.ID == "" || m.Time.Location() != time.UTC {
		t.Errorf("incomplete message: source %q conv %q provenance %+v", m.Source, m.Conversation.ID, p)
	}
	if id := m.Headers["Message-ID"]; id != "" && p.OriginalID == "" {
		t.Errorf("Message-ID %q not kept as the original id", id)
	}
}

// withDate copies a dateless sample with mailAddedDate put before its
// headers (after the envelope line of each mbox message).
func withDate(t *testing.T, path string, mbox bool) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.TrimPrefix(string(b), "\ufeff"))
	var out string
	if mbox {
		for _, line := range strings.SplitAfter(string(b), "\n") {
			out += line
			if mboxIsFromLine([]byte(line)) {
				out += mailAddedDate
			}
		}
	} else {
		out = mailAddedDate + string(b)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(p, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEmailSamplesCovered fails when a sample in the shared folder has no
// case above, so a new sample cannot be added without a test.
func TestEmailSamplesCovered(t *testing.T) {
	have := map[string]bool{}
	for _, c := range mailCases {
		have[c.file] = true
	}
	for _, dir := range []string{"eml", "mbox"} {
		entries, err := os.ReadDir(sharedSamples(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !have[e.Name()] {
				t.Errorf("sample %s/%s has no test case", dir, e.Name())
			}
		}
	}
	local, _ := os.ReadDir(filepath.Join("testdata", "email"))
	for _, e := range local {
		if n := e.Name(); !have[n] && n != "ATTRIBUTION.md" && !strings.HasSuffix(n, ".zip") {
			t.Errorf("testdata/email/%s has no test case", n)
		}
	}
}

// TestEmailThreadAcrossImports imports the three messages of one
// notmuch thread separately: replies land in their root's conversation.
func TestEmailThreadAcrossImports(t *testing.T) {
	dir := sharedSamples(t, "eml")
	ids := map[string]bool{}
	for _, f := range []string{"notmuch__default_cur_31.eml", "notmuch__default_cur_34.eml", "notmuch__default_cur_35.eml"} {
		for _, m := range collect(t, EML, filepath.Join(dir, f), Options{}) {
			ids[m.Conversation.ID] = true
		}
	}
	if len(ids) != 1 {
		t.Fatalf("one thread split into %d conversations: %v", len(ids), ids)
	}
}

// TestMboxKeepsDatelessMessages: mail without any date used to be
// refused (issue 17 §1); it is kept, with an unknown time, and nothing is
// skipped.
func TestMboxKeepsDatelessMessages(t *testing.T) {
	var skipped []string
	var got []*vaultMessage
	err := Mbox.Parse(filepath.Join("testdata", "email", "MimeKit__unmunged.mbox.txt"),
		Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e.Error()) }},
		func(m *vaultMessage) error { got = append(got, m); return nil })
	if err != nil || len(got) != 2 || len(skipped) != 0 {
		t.Fatalf("err %v, %d emitted, skipped %q; want 2 emitted", err, len(got), skipped)
	}
	var pos []string
	for _, m := range got {
		pos = append(pos, m.Provenance.Position)
		if !m.Time.IsZero() || m.Provenance.TimeSource != vault.TimeUnknown {
			t.Errorf("%s: time %v from %q, want unknown", m.Provenance.Position, m.Time, m.Provenance.TimeSource)
		}
	}
	if !slices.Equal(pos, []string{"line 1", "line 13"}) {
		t.Errorf("positions %q", pos)
	}
}

// TestEmailDetectOthers runs the email detectors over every other
// format's samples: none may claim them, and none may fail on them.
func TestEmailDetectOthers(t *testing.T) {
	var files []string
	for _, dir := range []string{"whatsapp", "telegram", "signal", "slack", "imessage", "other"} {
		m, _ := filepath.Glob(filepath.Join(sharedSamples(t, dir), "*"))
		files = append(files, m...)
	}
	m, _ := filepath.Glob(filepath.Join("testdata", "jsonl", "*"))
	files = append(files, m...)
	if len(files) < 10 {
		t.Fatalf("only %d samples of other formats found", len(files))
	}
	for _, p := range files {
		for _, f := range []Format{EML, Mbox, Maildir, MailArchive} {
			if f.Detect(p) {
				t.Errorf("%s.Detect claims %s", f.Name, filepath.Base(p))
			}
		}
	}
}

// TestEmailAttachmentBytesKept checks a Latin-1 text attachment comes
// out as the bytes that were sent, not enmime's UTF-8 conversion.
func TestEmailAttachmentBytesKept(t *testing.T) {
	orig := "caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu\n"
	raw := "From: a@x.org\r\nDate: Mon, 2 Jan 2006 15:04:05 +0000\r\nSubject: s\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Disposition: attachment; filename=menu.txt\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(orig)) + "\r\n--b--\r\n"
	m, err := parseEmail([]byte(raw), emailSource{format: "eml", file: "x.eml"}, time.Time{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(orig))
	if len(m.Attachments) != 1 || string(m.Attachments[0].Content) != orig || m.Attachments[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("attachments %+v", m.Attachments)
	}
}

// TestEmailZonelessDate reads a date without a zone in Options.Location
// and records that zone, as the issue asks of zoneless exports.
func TestEmailZonelessDate(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	ms := collect(t, Mbox, filepath.Join("testdata", "email", "cpython__mailbox_01.mbox"), Options{Location: est})
	if got := ms[0].Time.Format(time.RFC3339); got != "2022-08-07T16:40:37Z" || ms[0].Offset != -5*3600 || ms[0].Provenance.Timezone != "EST" {
		t.Fatalf("time %s offset %d timezone %q", got, ms[0].Offset, ms[0].Provenance.Timezone)
	}
	raw := "From: a@x.org\nDate: 2 Jan 2006 15:04:05\nSubject: s\n\nb\n"
	m, err := parseEmail([]byte(raw), emailSource{format: "eml", file: "x.eml"}, time.Time{}, est)
	if err != nil || m.Time.Format(time.RFC3339) != "2006-01-02T20:04:05Z" || m.Provenance.Timezone != "EST" {
		t.Fatalf("err %v, time %s, timezone %q", err, m.Time, m.Provenance.Timezone)
	}
}
