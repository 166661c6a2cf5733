package index_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"coffer/index"
	"coffer/vault"
	"coffer/vault/ingest"
)

// scriptCase is a message in one script and what a reader types to find
// it.
type scriptCase struct {
	script string
	text   string
	// word is a word of text as written: every query in finds must find
	// the message, and the first one's highlight must be exactly word.
	word  string
	finds []string
	// misses are queries that must not find it: for the spaceless
	// scripts, words that share characters with the text but are not in
	// it, and phrases in the wrong order.
	misses []string
}

// scriptCases holds one realistic message per script. The folded variants
// are those a reader expects: case everywhere it exists, accents in Latin,
// Greek and Vietnamese, niqqud and harakat in Hebrew and Arabic, hamza on
// alef, ё typed as е (Russian writers routinely do; й is folded to и
// along with it), the Indic nukta, half-width katakana. Indic vowel signs
// and viramas and Thai tone marks are spelling, so a query is typed with
// them: बहत does not find बहुत. Words of the spaceless scripts (Thai, Lao, Khmer, Myanmar)
// are found inside a run without spaces, and phrases across runs work.
var scriptCases = []scriptCase{
	{script: "Latin (French)", text: "Nous avons pris un café crème à la gare.",
		word: "café", finds: []string{"café", "cafe", "CAFÉ", "Cafe\u0301", `"café crème"`, `"cafe creme"`}},
	{script: "Latin (Turkish)", text: "Yarın İstanbul çok güzel olacak.",
		word: "İstanbul", finds: []string{"İstanbul", "istanbul", "ISTANBUL", "güzel", "guzel", `"istanbul cok"`}},
	{script: "Latin (Vietnamese)", text: "Tôi thích ăn phở bò ở Hà Nội.",
		word: "phở", finds: []string{"phở", "pho", "PHỞ", `"Hà Nội"`, `"ha noi"`}},
	{script: "Latin (German)", text: "Die Straße war nach dem Regen ganz nass.",
		word: "Straße", finds: []string{"Straße", "straße", "STRAẞE"}},
	{script: "Greek", text: "Η οδός ήταν άδεια το πρωί.",
		word: "οδός", finds: []string{"οδός", "οδος", "ΟΔΟΣ", "ΟΔΌΣ", "πρωι", `"η οδος"`}},
	{script: "Cyrillic", text: "Мы купили ёлку на рынке у вокзала.",
		word: "ёлку", finds: []string{"ёлку", "елку", "ЁЛКУ", "ЕЛКУ", `"купили ёлку"`}},
	{script: "Armenian", text: "Երևանը շատ գեղեցիկ քաղաք է։",
		word: "քաղաք", finds: []string{"քաղաք", "ՔԱՂԱՔ", "Քաղաք", `"գեղեցիկ քաղաք"`}},
	{script: "Georgian", text: "თბილისი ძალიან ლამაზი ქალაქია.",
		word: "თბილისი", finds: []string{"თბილისი", `"ძალიან ლამაზი"`}},
	{script: "Hebrew", text: "שָׁלוֹם חברים, נתראה מחר בבוקר",
		word: "שָׁלוֹם", finds: []string{"שָׁלוֹם", "שלום", `"שלום חברים"`}},
	{script: "Arabic", text: "أهلاً وسهلاً بكم في القاهرة",
		word: "أهلاً", finds: []string{"أهلاً", "أهلا", "اهلا", "القاهرة", `"في القاهرة"`}},
	{script: "Devanagari", text: "आज मौसम बहुत अच्छा है, ज़रूर आना",
		word: "मौसम", finds: []string{"मौसम", `"बहुत अच्छा"`, "ज़रूर", "जरूर"},
		misses: []string{"बहत", "मसम"}},
	{script: "Bengali", text: "আমি ভাত খেতে ভালোবাসি",
		word: "ভালোবাসি", finds: []string{"ভালোবাসি", `"ভাত খেতে"`}},
	{script: "Tamil", text: "நான் சென்னையில் வசிக்கிறேன்",
		word: "சென்னையில்", finds: []string{"சென்னையில்", `"நான் சென்னையில்"`},
		misses: []string{"நான", "சனனயல"}},
	{script: "Ethiopic", text: "ሰላም ለዓለም እንዴት ነህ",
		word: "ሰላም", finds: []string{"ሰላም", `"ሰላም ለዓለም"`}},
	{script: "Thai", text: "สวัสดีครับ วันนี้อากาศดีมาก ไปเที่ยวทะเลกันไหม",
		word: "อากาศ", finds: []string{"อากาศ", "สวัสดี", "ทะเล", "เที่ยว", "ดี", "ไหม", `"อากาศดี"`, `"ครับ วันนี้"`, `"สวัสดีครับ วันนี้อากาศ"`},
		misses: []string{"ฝนตก", "อากาศร้อน", `"วันนี้ ครับ"`, "ที", "ดีจัง"}},
	{script: "Lao", text: "ສະບາຍດີ ຂ້ອຍຢາກໄປຫຼວງພະບາງ",
		word: "ຫຼວງພະບາງ", finds: []string{"ຫຼວງພະບາງ", "ສະບາຍດີ", "ຢາກໄປ", "ດີ", `"ສະບາຍດີ ຂ້ອຍ"`},
		misses: []string{"ວຽງຈັນ", `"ຂ້ອຍ ສະບາຍດີ"`}},
	{script: "Khmer", text: "សួស្តី ខ្ញុំចង់ទៅភ្នំពេញ ថ្ងៃស្អែក",
		word: "ភ្នំពេញ", finds: []string{"ភ្នំពេញ", "សួស្តី", "ខ្ញុំ", `"ភ្នំពេញ ថ្ងៃស្អែក"`},
		misses: []string{"សៀមរាប", "ភ្នំក្រោម", `"ថ្ងៃស្អែក សួស្តី"`}},
	{script: "Myanmar", text: "မင်္ဂလာပါ။ ကျွန်တော် ရန်ကုန်မှာ နေပါတယ်။",
		word: "ရန်ကုန်", finds: []string{"ရန်ကုန်", "မင်္ဂလာပါ", "နေပါတယ်", "ပါ", `"ကျွန်တော် ရန်ကုန်"`},
		misses: []string{"မန္တလေး", `"ရန်ကုန် ကျွန်တော်"`}},
	{script: "Han", text: "我们明天去北京开会",
		word: "北京", finds: []string{"北京", "开会", `"去北京"`}},
	{script: "Hiragana/Katakana", text: "昨日は東京タワーに行きました、ありがとうございました",
		word: "タワー", finds: []string{"タワー", "ﾀﾜｰ", "ありがとう", "東京"}},
	{script: "Hangul", text: "오늘 서울에서 친구를 만나요",
		word: "서울에서", finds: []string{"서울에서", "서울*", `"친구를 만나요"`}},
	{script: "Emoji", text: "Happy birthday 🎉🎂 see you 👋🏽",
		word: "🎉", finds: []string{"🎉", "🎂", "👋", "👋🏽"}},
}

func TestScripts(t *testing.T) {
	var msgs []*vault.Message
	t0 := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, c := range scriptCases {
		msgs = append(msgs, &vault.Message{ID: scriptID(i), Source: "test", Conversation: vault.Conversation{ID: "t:scripts", Title: "Scripts"},
			Sender: "Ann", Time: t0.Add(time.Duration(i) * time.Minute), Body: c.text})
	}
	if n := len(scriptCases); n < 20 {
		t.Fatalf("%d scripts, want at least 20", n)
	}
	for _, mode := range []string{"build", "prebuilt"} {
		t.Run(mode, func(t *testing.T) {
			ix := openScripts(t, msgs, mode)
			for i, c := range scriptCases {
				t.Run(c.script, func(t *testing.T) {
					for k, q := range c.finds {
						res, err := ix.Search(context.Background(), q, index.Request{Limit: 10})
						if err != nil {
							t.Fatalf("%s: %v", q, err)
						}
						if len(res.Hits) != 1 || res.Hits[0].ID != scriptID(i) {
							t.Errorf("%s: got %v, want only %s", q, hitIDs(res), scriptID(i))
							continue
						}
						if k > 0 {
							continue
						}
						h := res.Hits[0].Highlights
						if len(h) != 1 || h[0].Field != "body" || c.text[h[0].Start:h[0].End] != c.word {
							t.Errorf("%s: highlights %+v, want one on %q", q, h, c.word)
						}
					}
					for _, q := range c.misses {
						res, err := ix.Search(context.Background(), q, index.Request{Limit: 10})
						if err != nil {
							t.Fatalf("%s: %v", q, err)
						}
						if len(res.Hits) != 0 {
							t.Errorf("%s: got %v, want nothing", q, hitIDs(res))
						}
					}
				})
			}
		})
	}
}

func scriptID(i int) string { return "s" + string(rune('a'+i)) }

func hitIDs(res *index.Result) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// openScripts indexes msgs at Start ("build") or as one prebuilt segment.
func openScripts(t *testing.T, msgs []*vault.Message, mode string) *index.Index {
	t.Helper()
	var segs []vault.IndexSegment
	if mode == "prebuilt" {
		seg, err := index.BuildSegment(vault.TextsOf(msgs), index.CommonWords(vault.TextsOf(msgs)))
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, vault.IndexSegment{Name: "seg", Data: seg, Messages: msgs})
	}
	ix, err := index.Open(msgs, nil, segs, index.Options{Shards: 2, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	ix.Start(context.Background())
	if err := ix.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestThaiChat imports a WhatsApp chat exported by an iOS phone set to
// Thai (Buddhist era dates, Thai text) and finds a word of its first
// message, which no search found before the spaceless scripts were
// segmented; and imports the shared Buddhist-calendar sample the same way.
func TestThaiChat(t *testing.T) {
	for _, tc := range []struct {
		path, query, want string
	}{
		{filepath.Join("testdata", "thai", "_chat.txt"), "กินข้าว", "พรุ่งนี้ไปกินข้าวที่ร้านเดิมไหมครับ"},
		{filepath.Join("testdata", "thai", "_chat.txt"), `"ได้ค่ะ เจอกัน"`, "ได้ค่ะ เจอกัน"},
		{filepath.Join("..", "..", "shared", "samples", "whatsapp", "whats_json__Buddhist_iOS.txt"), "world", "Hello World"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			f, err := ingest.Detect(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var msgs []*vault.Message
			err = f.Parse(tc.path, ingest.Options{Location: time.UTC}, func(m *vault.Message) error {
				msgs = append(msgs, m)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			ix := openScripts(t, msgs, "build")
			res, err := ix.Search(context.Background(), tc.query, index.Request{Limit: 10, Sort: index.Oldest})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 {
				t.Fatalf("%s: nothing found in %s", tc.query, tc.path)
			}
			var first *vault.Message
			for _, m := range msgs {
				if m.ID == res.Hits[0].ID {
					first = m
				}
			}
			if first == nil || !slices.ContainsFunc(res.Hits[0].Highlights, func(s index.Span) bool {
				return s.Field == "body" && containsAt(first.Body, s.Start, s.End, tc.want)
			}) {
				t.Errorf("%s: first hit %+v does not highlight within %q", tc.query, res.Hits[0], tc.want)
			}
		})
	}
}

// containsAt reports whether body[start:end] lies within an occurrence
// of want in body.
func containsAt(body string, start, end int, want string) bool {
	for i := 0; i+len(want) <= len(body); i++ {
		if body[i:i+len(want)] == want && i <= start && end <= i+len(want) {
			return true
		}
	}
	return false
}
