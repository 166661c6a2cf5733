package corpus

import (
	"fmt"
	"io"
)

// SignalName is where signal-export writes a chat, under a folder named
// for the chat ("Team/chat.md").
const SignalName = "chat.md"

// WriteSignal writes a signal-export chat.md, every fourth message
// spanning three lines. It returns the number of messages in it.
func WriteSignal(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	out := newOutput(w)
	n := 0
	for ; !lim.reached(n, out.size()) && !out.failed(); n++ {
		i := n
		s := 1704067200 + i*17
		fmt.Fprintf(out, "[2024-%02d-%02d %02d:%02d:%02d] %s: message number %d about the quarterly numbers and what we do next  \n",
			1+(s/2419200)%12, 1+(s/86400)%28, (s/3600)%24, (s/60)%60, s%60, []string{"Alice", "Bob", "Me"}[i%3], i)
		if i%4 == 0 {
			fmt.Fprint(out, "second line of a longer message\nthird line, still going  \n")
		}
	}
	if err := out.done(); err != nil {
		return n, fmt.Errorf("corpus: signal: %w", err)
	}
	return n, nil
}
