package index

import (
	"strings"
	"testing"

	"coffer/vault/corpus"
)

// BenchmarkAnalyze is the analyzer alone on the benchmark corpus (mostly
// Latin, some accents and CJK) and on Thai text: the part of a build the
// tokenizer decides, without bleve's indexing around it.
func BenchmarkAnalyze(b *testing.B) {
	msgs := corpus.Generate(20000, 1)
	thai := strings.Repeat("สวัสดีครับ วันนี้อากาศดีมาก ไปเที่ยวทะเลกันไหม ", 4)
	for _, c := range []struct {
		name  string
		texts []string
	}{
		{"corpus", func() []string {
			var t []string
			for _, m := range msgs {
				t = append(t, m.Body)
			}
			return t
		}()},
		{"thai", []string{thai}},
	} {
		b.Run(c.name, func(b *testing.B) {
			an := newAnalyzer()
			n := 0
			for _, t := range c.texts {
				n += len(t)
			}
			b.SetBytes(int64(n))
			buf := []byte{}
			for range b.N {
				for _, t := range c.texts {
					buf = append(buf[:0], t...)
					an.Analyze(buf)
				}
			}
		})
	}
}
