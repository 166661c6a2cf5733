package lookalike

import "testing"

func TestCheck(t *testing.T) {
	names := []string{
		"Zoë Castellane",
		"Zоё Castellane", // Cyrillic о and ё
		"Alice",
		"AIice",   // capital I for l
		"山田 太郎",   // Han
		"やまだ たろう", // Hiragana
		"山田 たろう",  // Han + Hiragana: how Japanese is written
		"Ελένη",   // Greek alone
		"Bob",
		"bob",    // the same name, other case
		"Pаypal", // Cyrillic а
	}
	got := Check(names)
	want := map[string]string{
		"Zоё Castellane": "mixes Cyrillic and Latin letters",
		"Zoë Castellane": `looks like "Zоё Castellane"`,
		"AIice":          `looks like "Alice"`,
		"Alice":          `looks like "AIice"`,
		"Pаypal":         "mixes Cyrillic and Latin letters",
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%q: %q, want %q", n, got[n], w)
		}
	}
	for n, why := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%q flagged (%s), but it is fine", n, why)
		}
	}
}
