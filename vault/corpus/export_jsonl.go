package corpus

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// JSONLName is a file name for coffer's own JSONL format.
const JSONLName = "messages.jsonl"

// WriteJSONL writes messages in coffer's JSONL format (vault/FORMAT.md)
// from the corpus's world: its senders, conversations over its sources
// and Zipf-distributed vocabulary, a message every 17 seconds. Unlike
// Generate it holds nothing, so it can write gigabytes. It returns the
// number of messages written.
func WriteJSONL(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	out := newOutput(w)
	g := newStreamWorld(7)
	t0 := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	var line []byte
	n := 0
	for ; !lim.reached(n, out.size()) && !out.failed(); n++ {
		conv := g.r.IntN(numConvs)
		s := g.r.IntN(numSenders)
		line = append(line[:0], `{"source":`...)
		line = strconv.AppendQuote(line, sources[conv%len(sources)])
		line = append(line, `,"conversation":{"id":`...)
		line = strconv.AppendQuote(line, fmt.Sprintf("%s:conv-%d", sources[conv%len(sources)], conv))
		line = append(line, `,"title":`...)
		line = strconv.AppendQuote(line, fmt.Sprintf("Conversation %d", conv))
		line = append(line, `},"sender":`...)
		line = strconv.AppendQuote(line, g.senders[s])
		line = append(line, `,"sender_id":`...)
		line = strconv.AppendQuote(line, g.senderIDs[s])
		line = append(line, `,"time":"`...)
		line = t0.Add(time.Duration(n)*17*time.Second).AppendFormat(line, time.RFC3339)
		line = append(line, `","body":`...)
		line = strconv.AppendQuote(line, g.body())
		line = append(line, "}\n"...)
		out.Write(line)
	}
	if err := out.done(); err != nil {
		return n, fmt.Errorf("corpus: jsonl: %w", err)
	}
	return n, nil
}

// streamWorld is the vocabulary and people of Generate, for writers that
// produce messages one at a time.
type streamWorld struct {
	r                  *rand.Rand
	zipf               *rand.Zipf
	vocab              []string
	senders, senderIDs []string
	b                  strings.Builder
}

func newStreamWorld(seed uint64) *streamWorld {
	r := rand.New(rand.NewPCG(seed, 0x636f66666572))
	g := &streamWorld{r: r, vocab: vocabulary(r)}
	g.zipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.vocab)-1))
	for i := range numSenders {
		f := firstNames[i%len(firstNames)]
		l := lastNames[(i/len(firstNames)+i)%len(lastNames)]
		g.senders = append(g.senders, fmt.Sprintf("%s %s %d", f, l, i))
		g.senderIDs = append(g.senderIDs, fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(f), strings.ToLower(l[:1]), i))
	}
	return g
}

// body is a message body of minBody to maxBody bytes, as Generate's.
func (g *streamWorld) body() string {
	b := &g.b
	b.Reset()
	target := minBody + g.r.IntN(maxBody-minBody+1)
	for b.Len() < target {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch x := g.r.IntN(200); {
		case x == 0:
			fmt.Fprintf(b, "https://%s.example.org/%s?id=%d", g.vocab[g.zipf.Uint64()], g.vocab[g.zipf.Uint64()], g.r.IntN(1e6))
		case x <= 3:
			b.WriteString(extra[g.r.IntN(len(extra))])
		default:
			b.WriteString(g.vocab[g.zipf.Uint64()])
		}
	}
	body := b.String()
	if len(body) > maxBody {
		body = body[:strings.LastIndexByte(body[:maxBody], ' ')]
	}
	return body
}
