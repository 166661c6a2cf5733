package ingest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestInvalidUTF8Replaced checks that bytes no format could decode reach
// the vault as U+FFFD, whatever field they are in, and that the ID is
// that of the text stored (so an export re-imports as the same message).
func TestInvalidUTF8Replaced(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name   string
		format Format
		path   string
		want   string // in the body
	}{
		{"whatsapp", WhatsApp, write("WhatsApp Chat with Ann\xe9.txt", "1/2/24, 10:00 - Ann\xff: caf\xe9 ok\n"), "caf\uFFFD ok"},
		{"signal", Signal, write("chat\xe9.md", "[2024-01-02 10:00] Bob\xfe: na\xefve\n"), "na\uFFFDve"},
		{"jsonl", JSONL, write("x\xe9.jsonl", `{"source":"s","conversation":{"id":"c"},"sender":"a","time":"2024-01-01T00:00:00Z","body":"b`+"\xe9\"}\n"), "b\uFFFD"},
		{"eml", EML, write("m\xe9.eml", "From: a@example.com\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\nSubject: s\r\n"+
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n0\xcb\r\n--b--\r\n"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			msgs := collect(t, c.format, c.path, Options{})
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			m := msgs[0]
			checkEmitted(t, m)
			if !strings.Contains(m.Body, c.want) {
				t.Errorf("body %q, want %q in it", m.Body, c.want)
			}
			if !utf8.ValidString(m.Provenance.File) || m.Provenance.File == "" {
				t.Errorf("provenance file %q", m.Provenance.File)
			}
		})
	}
}

// TestEachTextCoversEveryString fills every string of a vault.Message
// (in structs, slices and maps, found by reflection, so a field added
// later is covered too) with invalid UTF-8, and checks that eachText
// reaches them all. Fields the vault fills in (json:"-", the blob an
// attachment is stored in) are not a format's to set.
func TestEachTextCoversEveryString(t *testing.T) {
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString("bad\xff")
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
					fill(v.Field(i))
				}
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return // bytes, not text
			}
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range v.Len() {
				fill(v.Index(i))
			}
		case reflect.Map:
			m := reflect.MakeMap(v.Type())
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k)
			fill(e)
			m.SetMapIndex(k, e)
			v.Set(m)
		case reflect.Pointer:
			if v.Type().Elem().Kind() == reflect.Struct && v.Type().Elem() != reflect.TypeFor[time.Time]() {
				v.Set(reflect.New(v.Type().Elem()))
				fill(v.Elem())
			}
		}
	}
	var m vaultMessage
	fill(reflect.ValueOf(&m).Elem())
	eachText(&m, func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") })
	var check func(path string, v reflect.Value)
	check = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if !utf8.ValidString(v.String()) {
				t.Errorf("%s: eachText left %q", path, v.String())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
					check(path+"."+f.Name, v.Field(i))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				check(path+"[]", v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				check(path+" key", k)
				check(path+"[k]", v.MapIndex(k))
			}
		case reflect.Pointer:
			if !v.IsNil() {
				check(path, v.Elem())
			}
		}
	}
	check("Message", reflect.ValueOf(m))
}

// TestValidUTF8CoversEveryString makes each string of a vault.Message
// (found by reflection, as in TestEachTextCoversEveryString) in turn the
// only invalid one, and checks that textCheck.validUTF8, validate's
// shortcut past eachText, notices it, also when the message before had
// the valid string where this one has the bad one (its cache).
func TestValidUTF8CoversEveryString(t *testing.T) {
	var n, bad int
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if n == bad {
				v.SetString("bad\xff")
			} else {
				v.SetString("good")
			}
			n++
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
					fill(v.Field(i))
				}
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range v.Len() {
				fill(v.Index(i))
			}
		case reflect.Map:
			m := reflect.MakeMap(v.Type())
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k)
			fill(e)
			m.SetMapIndex(k, e)
			v.Set(m)
		case reflect.Pointer:
			if v.Type().Elem().Kind() == reflect.Struct && v.Type().Elem() != reflect.TypeFor[time.Time]() {
				v.Set(reflect.New(v.Type().Elem()))
				fill(v.Elem())
			}
		}
	}
	var m vaultMessage
	var c textCheck
	bad = -1
	fill(reflect.ValueOf(&m).Elem())
	if !c.validUTF8(&m) {
		t.Fatal("validUTF8 rejects a message of valid strings")
	}
	total := n
	for i := range total {
		n, bad = 0, i
		m = vaultMessage{}
		fill(reflect.ValueOf(&m).Elem())
		if (&textCheck{}).validUTF8(&m) {
			t.Errorf("validUTF8 misses invalid string %d of %d", bad, total)
		}
		// The message before, all valid, fills the cache.
		m = vaultMessage{}
		n, bad = 0, -1
		fill(reflect.ValueOf(&m).Elem())
		if !c.validUTF8(&m) {
			t.Fatal("validUTF8 rejects a message of valid strings")
		}
		n, bad = 0, i
		m = vaultMessage{}
		fill(reflect.ValueOf(&m).Elem())
		if c.validUTF8(&m) {
			t.Errorf("validUTF8 misses invalid string %d of %d", bad, total)
		}
	}
}
