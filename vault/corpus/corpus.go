// Package corpus generates deterministic synthetic chat archives for tests
// and benchmarks, so that index and vault measurements run on the same
// messages everywhere without shipping megabytes of test data.
//
// The shape is that of the corpus coffer's first performance baselines
// were measured on (1M messages, 209 MB as JSONL): bodies of 20-400
// characters drawn from a 20,000-word Zipf vocabulary, some URLs, emoji,
// accented and CJK words, a few hundred senders and conversations over five
// sources, timestamps spread over three years. The same (n, seed) always yields the same messages, IDs included.
//
// The Write* functions write exports in the formats coffer imports
// (WhatsApp, Telegram, Signal, Slack, Discord, SMS, iMessage, mbox,
// maildir, JSONL), streamed and sized by a Limit, for the parser
// benchmarks of vault/ingest and the end-to-end import benchmark of
// cmd/coffer: each returns the number of messages a correct importer
// stores.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"coffer/vault"
)

// Sizes of the generated world. They are fixed (not parameters) so that a
// benchmark number always refers to the same distribution.
const (
	vocabSize     = 20000
	numSenders    = 300
	numConvs      = 600
	minBody       = 20
	maxBody       = 400
	attachPercent = 2
)

var sources = []string{"whatsapp", "telegram", "signal", "slack", "email"}

// common words head the Zipf vocabulary so that the most frequent terms look
// like real chat (and stop-word-heavy queries can be benchmarked).
var common = strings.Fields(`the to and a of i you it in is that for on
me my we have be this with so just not at are was but do can what all no
yes ok will get if your up out like know about now one there time good how
when go see they call tomorrow today meeting thanks please send lunch home
work back think need want money office project report contract invoice`)

// extra words appear now and then to exercise Unicode handling.
var extra = []string{"café", "naïve", "Zürich", "façade", "東京", "会議",
	"明日", "ありがとう", "서울", "😀", "🎉", "👍🏽", "❤️", "Straße", "niño"}

var firstNames = strings.Fields(`Alice Bob Carol Dave Erin Frank Grace Heidi
Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Yuki
Zoe Amir Bea Chen Dora Emil Fatima Goran Hana Ines`)

var lastNames = strings.Fields(`Smith Jones Müller García Tanaka Kim Rossi
Dubois Novak Silva Ivanova Cohen Olsen Haddad Nguyen`)

// Generate returns n messages in time order with valid, content-derived IDs.
func Generate(n int, seed int64) []*vault.Message {
	r := rand.New(rand.NewPCG(uint64(seed), 0x636f66666572))
	vocab := vocabulary(r)
	zipf := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))

	senders := make([]string, numSenders)
	senderIDs := make([]string, numSenders)
	for i := range senders {
		f := firstNames[i%len(firstNames)]
		l := lastNames[(i/len(firstNames)+i)%len(lastNames)]
		senders[i] = f + " " + l
		if i >= len(firstNames) {
			senders[i] = fmt.Sprintf("%s %s %d", f, l, i)
		}
		senderIDs[i] = fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(f), strings.ToLower(l[:1]), i)
	}

	convs := make([]vault.Conversation, numConvs)
	convSource := make([]string, numConvs)
	convMembers := make([][]int, numConvs)
	for i := range convs {
		k := 2 + r.IntN(6)
		members := make([]int, k)
		names := make([]string, k)
		for j := range members {
			members[j] = r.IntN(numSenders)
			names[j] = senders[members[j]]
		}
		convMembers[i] = members
		convSource[i] = sources[r.IntN(len(sources))]
		w := vocab[100+r.IntN(2000)]
		title := fmt.Sprintf("%s%s %s %d", strings.ToUpper(w[:1]), w[1:], vocab[100+r.IntN(2000)], i)
		convs[i] = vault.Conversation{
			ID:           fmt.Sprintf("%s:conv-%04d", convSource[i], i),
			Title:        title,
			Participants: names,
		}
	}

	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 3 * 365 * 24 * time.Hour
	step := span / time.Duration(n+1)

	msgs := make([]*vault.Message, n)
	var b strings.Builder
	for i := range msgs {
		c := r.IntN(numConvs)
		if r.IntN(4) > 0 { // conversations are skewed: a quarter of them carry most traffic
			c = r.IntN(numConvs / 4)
		}
		members := convMembers[c]
		s := members[r.IntN(len(members))]

		b.Reset()
		target := minBody + r.IntN(maxBody-minBody+1)
		for b.Len() < target {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			switch x := r.IntN(200); {
			case x == 0:
				fmt.Fprintf(&b, "https://%s.example.org/%s?id=%d", vocab[zipf.Uint64()], vocab[zipf.Uint64()], r.IntN(1e6))
			case x <= 3:
				b.WriteString(extra[r.IntN(len(extra))])
			default:
				b.WriteString(vocab[zipf.Uint64()])
			}
		}
		body := b.String()
		if len(body) > maxBody {
			body = body[:strings.LastIndexByte(body[:maxBody], ' ')]
		}

		m := &vault.Message{
			Source:       convSource[c],
			Conversation: convs[c],
			Sender:       senders[s],
			SenderID:     senderIDs[s],
			Time:         start.Add(step*time.Duration(i) + time.Duration(r.IntN(int(step/time.Second)+1))*time.Second).UTC(),
			Body:         body,
			Provenance:   vault.Provenance{Format: "corpus", Position: fmt.Sprintf("message %d", i)},
		}
		if m.Source == "email" {
			m.Subject = vocab[zipf.Uint64()] + " " + vocab[zipf.Uint64()] + " " + vocab[zipf.Uint64()]
			for _, p := range members {
				if p != s {
					m.To = append(m.To, senderIDs[p])
				}
			}
		}
		if r.IntN(100) < attachPercent {
			m.Attachments = []vault.Attachment{{
				Name: fmt.Sprintf("%s-%d.%s", vocab[zipf.Uint64()], i, []string{"jpg", "pdf", "mp4", "docx"}[r.IntN(4)]),
				Type: "application/octet-stream",
				Size: int64(1000 + r.IntN(1e6)),
			}}
		}
		m.ID = vault.ComputeID(m)
		msgs[i] = m
	}
	return msgs
}

// vocabulary returns the common words followed by pronounceable made-up
// words, so rank in the slice is rank in the Zipf distribution.
func vocabulary(r *rand.Rand) []string {
	cons := []string{"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "ch", "st", "tr"}
	vows := []string{"a", "e", "i", "o", "u", "ai", "ou"}
	seen := make(map[string]bool, vocabSize)
	words := make([]string, 0, vocabSize)
	for _, w := range common {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	for len(words) < vocabSize {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(cons[r.IntN(len(cons))])
			b.WriteString(vows[r.IntN(len(vows))])
		}
		if r.IntN(3) == 0 {
			b.WriteString(cons[r.IntN(len(cons))])
		}
		w := b.String()
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}
