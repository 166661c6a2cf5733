package corpus

import (
	"fmt"
	"io"
)

// IMessageTextName is a file name imessage-exporter gives a chat's text.
const IMessageTextName = "+447700900001.txt"

// WriteIMessageText writes imessage-exporter's text output for one chat,
// every fourth message spanning three lines with a tapback. It returns
// the number of messages in it.
func WriteIMessageText(w io.Writer, lim Limit) (int, error) {
	if err := lim.check(); err != nil {
		return 0, err
	}
	out := newOutput(w)
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	n := 0
	for ; !lim.reached(n, out.size()) && !out.failed(); n++ {
		i := n
		s := i * 17
		fmt.Fprintf(out, "%s %2d, 2024 %2d:%02d:%02d %s\n%s\nmessage number %d about the quarterly numbers and what we do next\n",
			months[(s/2419200)%12], 1+(s/86400)%28, 1+(s/3600)%12, (s/60)%60, s%60, []string{"AM", "PM"}[(s/43200)%2],
			[]string{"Me", "+447700900001"}[i%2], i)
		if i%4 == 0 {
			fmt.Fprint(out, "second line of a longer message\nTapbacks:\nLoved by Me\n")
		}
		fmt.Fprintln(out)
	}
	if err := out.done(); err != nil {
		return n, fmt.Errorf("corpus: imessage text: %w", err)
	}
	return n, nil
}
