package attachment

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name, typ string
		b         []byte
		want      Kind
	}{
		{"q3.csv", "text/csv", nil, Text},
		{"q3.csv", "", []byte("a,b\n"), Text},
		{"invite.ics", "text/calendar; charset=utf-8", nil, Text},
		{"card.vcf", "text/vcard", nil, Text},
		{"data.json", "application/json", nil, JSON},
		{"fwd.eml", "message/rfc822", nil, Email},
		{"page.html", "text/html", nil, HTML},
		{"page.htm", "", nil, HTML},
		{"photo.jpg", "image/jpeg", []byte("not really"), Binary},
		{"report.pdf", "application/pdf", nil, Binary},
		{"noext", "application/octet-stream", []byte("plain words\n"), Text},
		{"noext", "", []byte("bin\x00ary"), Binary},
		{"noext", "", []byte{0xff, 0xfe, 0x41}, Binary},
		{"noext", "", nil, Binary},
		// A valid UTF-8 file cut mid-rune at the sniff's end is still text.
		{"long", "", append(bytes.Repeat([]byte("a"), 8<<10-1), "é"...), Text},
	}
	for _, tc := range tests {
		if got := KindOf(tc.name, tc.typ, tc.b); got != tc.want {
			t.Errorf("KindOf(%q, %q) = %d, want %d", tc.name, tc.typ, got, tc.want)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name       string
		k          Kind
		in         string
		want, note string
	}{
		{"text as it is", Text, "a,b\n1,2\n", "a,b\n1,2\n", ""},
		{"json indented", JSON, `{"a":[1,2]}`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}", ""},
		{"bad json as it is", JSON, `{"a":`, `{"a":`, ""},
		{"html as text", HTML, "<p>Hello <b>there</b></p><script>x()</script>", "Hello *there*", "HTML shown as text"},
		{"email", Email, "From: =?UTF-8?Q?Ren=C3=A9e?= <r@example.com>\r\nSubject: Q3\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nTotal =3D 12\r\n",
			"From: Renée <r@example.com>\nSubject: Q3\n\nTotal = 12\r\n", ""},
		{"email in base64", Email, "Subject: b\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n", "Subject: b\n\nhello", ""},
		{"not an email", Email, "no headers here", "no headers here", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, note := Render(tc.k, []byte(tc.in))
			if got != tc.want || note != tc.note {
				t.Errorf("Render = %q, %q\nwant     %q, %q", got, note, tc.want, tc.note)
			}
		})
	}
	big := bytes.Repeat([]byte("x"), maxText+10)
	got, note := Render(Text, big)
	if len(got) != maxText || !strings.Contains(note, "the first 4.0 MB shown") {
		t.Errorf("a large text: %d bytes, note %q", len(got), note)
	}
}

func TestMeta(t *testing.T) {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(0, 0, color.White)
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	m := Meta("dot.png", "image/png", b.Bytes())
	if m[0] != [2]string{"Name", "dot.png"} || m[1] != [2]string{"Type", "image/png"} || len(m[3][1]) != 64 {
		t.Errorf("meta %q", m)
	}
	if last := m[len(m)-1]; last != [2]string{"Image", "png, 3 × 2 pixels"} {
		t.Errorf("image line %q", last)
	}
	if m := Meta("x.bin", "", []byte("abc")); len(m) != 4 || m[1][1] != "unknown" || m[2][1] != "3 B (3 bytes)" {
		t.Errorf("meta of a non-image %q", m)
	}
}

// FuzzRender: no attachment makes the pager's conversions panic, whatever
// kind it claims to be.
func FuzzRender(f *testing.F) {
	f.Add(int(HTML), "<table><tr><td>a</td></tr></table><a href=x>y</a>")
	f.Add(int(JSON), `{"a":[1,{"b":null}]}`)
	f.Add(int(Email), "Subject: =?utf-8?b?w6k=?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n")
	f.Add(int(Email), "Content-Transfer-Encoding: base64\r\n\r\n!!!!")
	f.Add(int(Text), "plain")
	f.Fuzz(func(t *testing.T, k int, s string) {
		Render(Kind(k), []byte(s))
		KindOf(s, s, []byte(s))
		Meta(s, s, []byte(s))
	})
}
