package corpus_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"coffer/vault"
	"coffer/vault/corpus"
	"coffer/vault/ingest"
)

// exportCases write each format's export into a folder and return its
// path and the messages they promise.
var exportCases = []struct {
	name   string
	format string // the ingest format that must detect it
	write  func(dir string, lim corpus.Limit) (string, int, error)
}{
	{"whatsapp", "whatsapp", stream(corpus.WhatsAppName, corpus.WriteWhatsApp)},
	{"telegram", "telegram", stream(corpus.TelegramName, func(w io.Writer, lim corpus.Limit) (int, error) { return corpus.WriteTelegram(w, 500, lim) })},
	{"signal", "signal", stream(filepath.Join("Team", corpus.SignalName), corpus.WriteSignal)},
	{"slack", "slack", func(dir string, lim corpus.Limit) (string, int, error) {
		p := filepath.Join(dir, "export")
		n, _, err := corpus.WriteSlack(p, 40, lim)
		return p, n, err
	}},
	{"discord", "discord", stream(corpus.DiscordName, corpus.WriteDiscord)},
	{"sms", "sms", stream(corpus.SMSName, corpus.WriteSMS)},
	{"imessage-chatdb", "imessage", func(dir string, lim corpus.Limit) (string, int, error) {
		p := filepath.Join(dir, corpus.ChatDBName)
		rows := max(lim.Messages+lim.Messages/9+1, int(lim.Bytes/corpus.ChatDBRowBytes)) // a tenth are tapbacks
		n, err := corpus.WriteChatDB(p, rows)
		return p, n, err
	}},
	{"imessage-text", "imessage", stream(corpus.IMessageTextName, corpus.WriteIMessageText)},
	{"mbox", "mbox", stream(corpus.MboxName, corpus.WriteMbox)},
	{"maildir", "maildir", func(dir string, lim corpus.Limit) (string, int, error) {
		p := filepath.Join(dir, "Mail")
		n, _, err := corpus.WriteMaildir(p, lim)
		return p, n, err
	}},
	{"jsonl", "jsonl", stream(corpus.JSONLName, corpus.WriteJSONL)},
}

// stream adapts a writer of one file.
func stream(name string, write func(io.Writer, corpus.Limit) (int, error)) func(string, corpus.Limit) (string, int, error) {
	return func(dir string, lim corpus.Limit) (string, int, error) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", 0, err
		}
		f, err := os.Create(p)
		if err != nil {
			return "", 0, err
		}
		n, err := write(f, lim)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return p, n, err
	}
}

// TestExportsImport checks that each export is detected as its format
// and that the format's importer reads exactly the messages the writer
// said it wrote, all distinct (a vault would store fewer otherwise): the
// end-to-end benchmark compares what coffer import stores with that
// count.
func TestExportsImport(t *testing.T) {
	for _, c := range exportCases {
		for _, lim := range []corpus.Limit{{Bytes: 300 << 10}, {Messages: 1000}} {
			t.Run(fmt.Sprintf("%s/%dB-%dmsgs", c.name, lim.Bytes, lim.Messages), func(t *testing.T) {
				p, want, err := c.write(t.TempDir(), lim)
				if err != nil {
					t.Fatal(err)
				}
				f, err := ingest.Detect(p)
				if err != nil {
					t.Fatal(err)
				}
				if f.Name != c.format {
					t.Fatalf("detected as %s", f.Name)
				}
				ids := map[string]bool{}
				err = f.Parse(p, ingest.Options{Location: time.UTC}, func(m *vault.Message) error {
					if err := vault.Validate(m); err != nil {
						return err
					}
					ids[m.ID] = true
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) != want {
					t.Errorf("%+v: %d distinct messages imported, the writer said %d", lim, len(ids), want)
				}
				if lim.Messages > 0 && want < lim.Messages {
					t.Errorf("%+v: wrote only %d messages", lim, want)
				}
			})
		}
	}
}

// TestExportsDeterministic checks that a Limit always yields the same
// bytes: a benchmark number must refer to one file.
func TestExportsDeterministic(t *testing.T) {
	lim := corpus.Limit{Bytes: 100 << 10}
	for _, w := range []func(io.Writer, corpus.Limit) (int, error){corpus.WriteWhatsApp, corpus.WriteMbox, corpus.WriteJSONL} {
		a, b := new(countHash), new(countHash)
		if _, err := w(a, lim); err != nil {
			t.Fatal(err)
		}
		w(b, lim)
		if *a != *b || a.n < lim.Bytes {
			t.Errorf("two runs wrote %+v and %+v", *a, *b)
		}
	}
}

// countHash is a cheap fingerprint of what was written.
type countHash struct {
	n int64
	h uint64
}

func (c *countHash) Write(p []byte) (int, error) {
	for _, b := range p {
		c.h = (c.h ^ uint64(b)) * 1099511628211
	}
	c.n += int64(len(p))
	return len(p), nil
}

// TestLimitRequired refuses a Limit that would never end.
func TestLimitRequired(t *testing.T) {
	if _, err := corpus.WriteSignal(io.Discard, corpus.Limit{}); err == nil {
		t.Fatal("an empty Limit was accepted")
	}
}
