package ingest

import "bytes"

// waTemplates indexes notice templates so that a line is matched against
// the few whose literal text it holds, not against two thousand: a
// template that starts with text is found by the line's first two bytes;
// one that starts with a name ("%s added %s") by the two bytes after the
// name, looked up at each of the first waMaxName positions of the line.
// The cost per line is then bounded whatever its length and the number
// of languages.
type waTemplates struct {
	all      []waTemplate
	anchored map[[2]byte][]int
	floating map[[2]byte][]int
	rest     []int // a key part shorter than two bytes or opening with a quote
}

// waMaxName bounds where the text after a leading name is looked for;
// names in notices are contacts' names or phone numbers.
const waMaxName = 256

func (x *waTemplates) add(t waTemplate) {
	if x.anchored == nil {
		x.anchored, x.floating = map[[2]byte][]int{}, map[[2]byte][]int{}
	}
	i := len(x.all)
	x.all = append(x.all, t)
	key := t.parts[0]
	m := x.anchored
	if len(key) == 0 && len(t.parts) > 1 {
		key, m = t.parts[1], x.floating
	}
	if len(key) < 2 || key[0] == waQuote || key[1] == waQuote {
		x.rest = append(x.rest, i)
		return
	}
	k := [2]byte{key[0], key[1]}
	m[k] = append(m[k], i)
}

// match returns what the last hole of the first template that text
// matches holds, and whether one does.
func (x *waTemplates) match(text []byte) ([]byte, bool) {
	try := func(ids []int) ([]byte, bool) {
		for _, i := range ids {
			if last, ok := x.all[i].match(text); ok {
				return last, true
			}
		}
		return nil, false
	}
	if len(text) >= 2 {
		if last, ok := try(x.anchored[[2]byte{text[0], text[1]}]); ok {
			return last, true
		}
	}
	for p := 1; p+1 < len(text) && p <= waMaxName; p++ {
		ids := x.floating[[2]byte{text[p], text[p+1]}]
		for _, i := range ids {
			head := x.all[i].parts[1]
			if q := bytes.IndexByte(head, waQuote); q >= 0 {
				head = head[:q]
			}
			if !bytes.HasPrefix(text[p:], head) {
				continue
			}
			if last, ok := x.all[i].match(text); ok {
				return last, true
			}
		}
	}
	return try(x.rest)
}
