package index

import "testing"

func TestToLower(t *testing.T) {
	for in, want := range map[string]string{
		"HELLO": "hello", "İstanbul": "istanbul", "İSTANBUL": "istanbul", "ΟΔΟΣ": "οδος", "ΟΔΟΣ x": "οδοσ x",
		"\u212Aelvin": "kelvin", "STRAẞE": "straße", "Ⱥb": "ⱥb", "aȺbİc": "aⱥbic", "x\xffY": "x\xffy", "ёлка": "ёлка",
	} {
		if got := string(toLower([]byte(in))); got != want {
			t.Errorf("toLower(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldAccents(t *testing.T) {
	for in, want := range map[string]string{
		"café":     "cafe",
		"phở":      "pho",
		"οδός":     "οδος",
		"ёлка":     "елка",
		"йод":      "иод",
		"שָׁלוֹם":  "שלום",
		"أهلاً":    "اهلا",
		"ज़रूर":    "जरूर",
		"कुल":      "कुल",
		"நான்":     "நான்",
		"한국어":      "한국어",
		"ބަސް":     "ބަސް",
		"a\u20d7b": "ab",
		"ñandú":    "nandu",
	} {
		if got := string(foldAccents([]byte(in))); got != want {
			t.Errorf("foldAccents(%q) = %q, want %q", in, got, want)
		}
	}
}
