package msgpane_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"coffer/ui/common"
	"coffer/ui/components/msgpane"
)

// TestCursorAlwaysVisible moves at random through 10k items of random
// heights (some taller than the screen) and checks after each move that
// the frame has exactly Height lines and shows the cursor's block.
func TestCursorAlwaysVisible(t *testing.T) {
	const n = 10_000
	r := rand.New(rand.NewPCG(1, 2))
	heights := make([]int, n)
	times := make([]int64, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range heights {
		heights[i] = 1 + r.IntN(6)
		if r.IntN(50) == 0 {
			heights[i] = 40 // taller than the pane
		}
		times[i] = base + int64(i)*600 // a day every 144 items
	}
	c := common.New(true)
	m := msgpane.New(c, func(i, w int) []string {
		out := []string{fmt.Sprintf("item-%d", i)}
		for j := 1; j < heights[i]; j++ {
			out = append(out, fmt.Sprintf("line %d of %d", j, i))
		}
		return out
	})
	for _, size := range [][2]int{{60, 20}, {30, 5}, {100, 3}} {
		m.SetSize(c, size[0], size[1])
		m.SetItems(n, times, time.UTC)
		for step := range 3000 {
			switch r.IntN(6) {
			case 0:
				m.Move(1)
			case 1:
				m.Move(-1)
			case 2:
				m.HalfPage(1)
			case 3:
				m.HalfPage(-1)
			case 4:
				m.Select(r.IntN(n))
			case 5:
				if r.IntN(10) == 0 {
					m.Bottom()
				} else {
					m.Top()
				}
			}
			v := m.View()
			lines := strings.Split(v, "\n")
			if len(lines) != size[1] {
				t.Fatalf("%v step %d: %d lines", size, step, len(lines))
			}
			if !strings.Contains(v, fmt.Sprintf("item-%d", m.Cursor())) && heights[m.Cursor()] < size[1] {
				t.Fatalf("%v step %d: cursor %d not on screen:\n%s", size, step, m.Cursor(), v)
			}
			for _, l := range lines {
				if common.Width(l) != size[0] {
					t.Fatalf("%v step %d: line %q is %d cells", size, step, l, common.Width(l))
				}
			}
		}
	}
}
