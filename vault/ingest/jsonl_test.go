package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestJSONL(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"one", `{"source":"slack","conversation":{"id":"c1"},"sender":"ann","time":"2024-01-02T03:04:05Z","body":"hi"}`, 1, ""},
		{"blank lines", "\n" + `{"source":"slack","conversation":{"id":"c1"},"time":"2024-01-02T03:04:05+02:00","body":"x"}` + "\n\n", 1, ""},
		{"bad json", `{"source":"slack",`, 0, "in.jsonl:1: malformed JSON"},
		{"missing conv", `{"source":"slack","time":"2024-01-02T03:04:05Z"}`, 0, `in.jsonl:1: invalid message: missing "conversation.id"`},
		{"unknown field", `{"source":"slack","conversation":{"id":"c"},"time":"2024-01-02T03:04:05Z","bogus":1}`, 0, "unknown field"},
		{"wrong id", `{"id":"00","source":"slack","conversation":{"id":"c"},"time":"2024-01-02T03:04:05Z"}`, 0, "does not match"},
		{"second line bad", `{"source":"slack","conversation":{"id":"c1"},"time":"2024-01-02T03:04:05Z"}` + "\nnope", 0, "in.jsonl:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			err := ReadJSONL(strings.NewReader(tt.in), "in.jsonl", "", Options{}, func(m *vaultMessage) error {
				n++
				if m.ID == "" || m.Provenance.Position == "" || m.Time.Location() != time.UTC {
					t.Errorf("message not completed: %+v", m)
				}
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				var ie *Error
				if !errors.As(err, &ie) {
					t.Fatalf("err %T is not *ingest.Error", err)
				}
				return
			}
			if err != nil || n != tt.want {
				t.Fatalf("got %d messages, err %v; want %d", n, err, tt.want)
			}
		})
	}
}

func TestJSONLLenient(t *testing.T) {
	in := "nope\n" + `{"source":"slack","conversation":{"id":"c1"},"time":"2024-01-02T03:04:05Z"}` + "\n{}\n"
	var skipped []string
	var n int
	err := ReadJSONL(strings.NewReader(in), "in.jsonl", "", Options{Lenient: true, Skip: func(e *Error) { skipped = append(skipped, e.Error()) }},
		func(*vaultMessage) error { n++; return nil })
	if err != nil || n != 1 || len(skipped) != 2 || !strings.HasPrefix(skipped[1], "in.jsonl:3:") {
		t.Fatalf("n=%d err=%v skipped=%q", n, err, skipped)
	}
}

func TestJSONLDetectAndParseFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.jsonl")
	line := `{"source":"email","conversation":{"id":"t"},"sender":"a@b","time":"2024-01-02T03:04:05Z","body":"b"}`
	if err := os.WriteFile(p, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Detect(p)
	if err != nil || f.Name != "jsonl" {
		t.Fatalf("Detect = %v, %v", f.Name, err)
	}
	msgs := collect(t, f, p, Options{})
	if len(msgs) != 1 || msgs[0].Provenance.File != "x.jsonl" || len(msgs[0].Provenance.FileSHA256) != 64 {
		t.Fatalf("provenance: %+v", msgs[0].Provenance)
	}
}

func FuzzJSONL(f *testing.F) {
	addSeeds(f, "jsonl/*.jsonl")
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ReadJSONL(strings.NewReader(string(b)), "f.jsonl", "", Options{Lenient: true}, func(m *vaultMessage) error {
			checkEmitted(t, m)
			return nil
		})
	})
}
