package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zap "github.com/blevesearch/zapx/v17"
	"golang.org/x/text/unicode/norm"

	"coffer/vault"
)

// Prebuilt segments move the cost of indexing from unlock to import: the
// importer, which sees the plaintext anyway, builds the text index of the
// messages it adds with BuildSegment; the vault stores the bytes
// encrypted beside the messages; at unlock Open wraps the decrypted bytes
// without re-indexing (0.25 ms per 100k messages, against ~6 s of
// building on two cores). Messages no segment covers are indexed by Start
// as usual.
//
// A segment's bytes are a zap segment (bleve's format, version
// zap.Version) followed by the common words its pairs were built with,
// their length and a magic string. Document n is the nth message given to
// BuildSegment, which is the nth message of the vault segment it indexes
// (vault.IndexSegment); documents hold no ID (v1 segments did, at 93
// bytes a message, and term vectors at 304: see phrase.go).

const segMagic = "coffer-index-v3\n"

// segMagicV2 marks segments built before the analyzer indexed the
// spaceless scripts (spaceless.go) and lower-cased İstanbul correctly
// (lowerFilter). They are read, but the messages whose text the analyzer
// now indexes differently (changedSinceV2) are indexed at unlock instead:
// all the others have the same terms in both.
const segMagicV2 = "coffer-index-v2\n"

// segMagicV1 marks segments of the first format (documents keyed by ID,
// with term vectors). They are not read: their messages are indexed at
// unlock instead.
const segMagicV1 = "coffer-index-v1\n"

// noOrd marks a segment document whose message is not in the index.
const noOrd = math.MaxUint32

// CommonWords returns the common words of texts (see pairs.go), to be
// fixed once per vault and given to every BuildSegment, so that all
// segments index the same word pairs.
func CommonWords(texts *vault.Texts) []string {
	ix := &Index{analyzer: newAnalyzer(), texts: texts}
	words := make([]string, 0, pairMaxCommon)
	for w := range ix.commonWords() {
		words = append(words, w)
	}
	slices.Sort(words)
	return words
}

// BuildSegment returns the text index of texts as bytes for the vault to
// store encrypted: it holds their words and positions, so it is as
// secret as the messages.
func BuildSegment(texts *vault.Texts, common []string) ([]byte, error) {
	if texts.Len() == 0 {
		return nil, errors.New("index: no messages to build a segment of")
	}
	set := make(map[string]bool, len(common))
	for _, w := range common {
		if strings.Contains(w, "\n") {
			return nil, fmt.Errorf("index: common word %q holds a newline", w)
		}
		set[w] = true
	}
	ix := &Index{analyzer: newAnalyzer(), pairs: newPairAnalyzer(set), texts: texts}
	var buf bytes.Buffer
	merged, err := buildMerged(ix, &buf)
	if err != nil {
		return nil, err
	}
	if !merged {
		sb, err := buildPart(ix, 0, texts.Len())
		if err != nil {
			return nil, err
		}
		if _, err := sb.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("index: encode segment: %w", err)
		}
	}
	words := strings.Join(common, "\n")
	buf.WriteString(words)
	binary.Write(&buf, binary.BigEndian, uint32(len(words)))
	buf.WriteString(segMagic)
	return buf.Bytes(), nil
}

// buildPart returns the zap segment of messages lo to hi, analysed all at
// once: its memory is ~20 KB a message (every word's positions), so
// buildMerged calls it on parts of a few thousand.
func buildPart(ix *Index, lo, hi int) (*zap.SegmentBase, error) {
	docs := make([]bindex.Document, 0, hi-lo)
	for i := lo; i < hi; i++ {
		doc := ix.document(uint32(i))
		// zap needs a stored _id field first; an empty one costs ~2 bytes.
		doc.Fields = slices.Insert(doc.Fields, 0, document.Field(document.NewTextFieldWithIndexingOptions("_id", nil, nil, bindex.StoreField)))
		doc.VisitFields(func(f bindex.Field) {
			if f.Options().IsIndexed() {
				f.Analyze()
			}
		})
		docs = append(docs, doc)
	}
	seg, _, err := (&zap.ZapPlugin{}).New(docs)
	if err != nil {
		return nil, fmt.Errorf("index: build segment: %w", err)
	}
	sb, ok := seg.(*zap.SegmentBase)
	if !ok {
		return nil, fmt.Errorf("index: unexpected zap segment %T", seg)
	}
	return sb, nil
}

// loadSegment wraps segment bytes made by BuildSegment; data is kept, not
// copied. v2 reports a segment of the second format (segMagicV2).
func loadSegment(data []byte) (seg segment.Segment, common map[string]bool, v2 bool, err error) {
	if bytes.HasSuffix(data, []byte(segMagicV1)) {
		return nil, nil, false, errors.New("index segment of an older format (v1)")
	}
	v2 = bytes.HasSuffix(data, []byte(segMagicV2))
	if !v2 && !bytes.HasSuffix(data, []byte(segMagic)) || len(data) < len(segMagic)+4 {
		return nil, nil, false, errors.New("not a coffer index segment")
	}
	data = data[:len(data)-len(segMagic)]
	n := int(binary.BigEndian.Uint32(data[len(data)-4:]))
	data = data[:len(data)-4]
	if n > len(data) {
		return nil, nil, false, errors.New("truncated common words")
	}
	common = map[string]bool{}
	if n > 0 {
		for _, w := range strings.Split(string(data[len(data)-n:]), "\n") {
			common[w] = true
		}
	}
	data = data[:len(data)-n]

	// The zap footer: fixed-size fields at the end, in the order zapx
	// writes them. zapx reads them only from a file it opens itself, so
	// they are read here for bytes held in memory.
	if len(data) < zap.FooterSize {
		return nil, nil, false, errors.New("truncated zap footer")
	}
	end := len(data)
	crc := binary.BigEndian.Uint32(data[end-4:])
	ver := binary.BigEndian.Uint32(data[end-8:])
	chunkMode := binary.BigEndian.Uint32(data[end-12:])
	sectionsIndex := binary.BigEndian.Uint64(data[end-20:])
	storedIndex := binary.BigEndian.Uint64(data[end-28:])
	numDocs := binary.BigEndian.Uint64(data[end-36:])
	idLen := int(binary.BigEndian.Uint32(data[end-40:]))
	if ver != zap.Version {
		return nil, nil, false, fmt.Errorf("zap version %d, want %d", ver, zap.Version)
	}
	if zap.FooterSize+idLen > end {
		return nil, nil, false, errors.New("bad zap footer")
	}
	mem := data[:end-zap.FooterSize-idLen]
	if c := crc32.Update(crc32.ChecksumIEEE(mem), crc32.IEEETable, data[len(mem):end-4]); c != crc {
		return nil, nil, false, errors.New("checksum mismatch")
	}
	sb, err := zap.InitSegmentBase(mem, crc32.ChecksumIEEE(mem), chunkMode, numDocs, storedIndex, sectionsIndex, nil, nil)
	if err != nil {
		return nil, nil, false, err
	}
	return sb, common, v2, nil
}

// Open is New for a vault with prebuilt segments: the messages they cover
// are searchable at once, and Start indexes only the others. A segment
// may hold messages that msgs lacks, or that an earlier segment holds
// too; they are ignored.
func Open(msgs []*vault.Message, tags map[string][]string, segs []vault.IndexSegment, opt Options) (*Index, error) {
	ix, err := New(msgs, tags, opt)
	if err != nil {
		return nil, err
	}
	return ix.open(segs)
}

// open adds the prebuilt segments to a new index.
func (ix *Index) open(segs []vault.IndexSegment) (*Index, error) {
	covered := newBitset(ix.n)
	v := &view{}
	for _, s := range segs {
		seg, common, v2, err := loadSegment(s.Data)
		docs := len(s.Messages)
		if s.Ords != nil { // a lazy vault's: ordinals from its catalogs
			docs = len(s.Ords)
		}
		if err == nil && seg.Count() != uint64(docs) {
			err = fmt.Errorf("%d documents for %d messages", seg.Count(), docs)
		}
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("index: %s: %v", s.Name, err)
		}
		ords := make([]uint32, docs)
		for local := range ords {
			var o uint32
			ok := false
			if s.Ords != nil {
				// v2 files have no catalog: v2 cannot be set here.
				o = s.Ords[local]
				ok = o != vault.NoOrd && int(o) < ix.n
			} else {
				m := s.Messages[local]
				o, ok = ix.ord(m.ID)
				// Indexed with terms the analyzer no longer makes.
				ok = ok && !(v2 && changedSinceV2(m))
			}
			if !ok || covered.has(o) { // unknown, or in an earlier segment
				ords[local] = noOrd
				continue
			}
			covered.set(o)
			ords[local] = o
		}
		v.segs = append(v.segs, seg)
		v.segOrds = append(v.segOrds, ords)
		v.common = append(v.common, common)
	}
	if len(v.segs) > 0 {
		ix.static = []*view{v}
	}
	ix.prebuilt = covered.count()
	if ix.prebuilt == ix.n { // nothing left for Start to do
		ix.started.Do(func() { close(ix.done) })
		ix.report(0, time.Now())
	}
	ix.pending = make([]uint32, 0, ix.n-ix.prebuilt)
	for o := range ix.n {
		if !covered.has(uint32(o)) {
			ix.pending = append(ix.pending, uint32(o))
		}
	}
	return ix, nil
}

// changedSinceV2 reports whether the analyzer indexes m's text otherwise
// than the one of v2 segments did: it holds a letter of a spaceless script
// (which v2 dropped), a capital whose lower case is shorter (İ, K KELVIN
// SIGN, ẞ), after which v2 garbled the word, or a nonspacing mark, alone
// or in a character's decomposition, that v2 folded away and the analyzer
// keeps (Indic vowel signs: foldedMark). Any other text has the same
// terms.
func changedSinceV2(m *vault.Message) bool {
	return changedTextSinceV2(m.Subject) || changedTextSinceV2(m.Body)
}

func changedTextSinceV2(s string) bool {
	for _, r := range s[:indexedLen(s)] {
		if r < utf8.RuneSelf {
			continue
		}
		if clusterStart(r) {
			return true
		}
		if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) < utf8.RuneLen(r) {
			return true
		}
		if 0x2E80 <= r && r < 0xA000 {
			continue // CJK and kana are never accent-folded
		}
		if keptMark(r) {
			return true
		}
		var b [utf8.UTFMax]byte
		for _, d := range string(norm.NFD.Properties(utf8.AppendRune(b[:0], r)).Decomposition()) {
			if keptMark(d) {
				return true
			}
		}
	}
	return false
}

// keptMark reports whether r is a nonspacing mark that accent folding
// keeps (v2 dropped them all).
func keptMark(r rune) bool {
	return r >= 0x0300 && unicode.Is(unicode.Mn, r) && !foldedMark(r)
}
