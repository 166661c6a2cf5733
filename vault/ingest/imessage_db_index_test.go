package ingest

import (
	"fmt"
	"strconv"
	"testing"
)

// TestThreadIndexForgetsAsReplyIndex holds threadIndex to replyIndex's
// answers past maxReplyIndex messages, when replyIndex forgets the oldest.
func TestThreadIndexForgetsAsReplyIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("puts a million messages")
	}
	var all replyIndex[string]
	var x threadIndex
	origin := func(i int) bool { return i%5000 == 7 }
	for i := range maxReplyIndex + 20000 {
		if origin(i) {
			x.want("G" + strconv.Itoa(i))
		}
	}
	id := func(i int) string { return fmt.Sprintf("%032x", i) }
	check := func(i int) {
		g := "G" + strconv.Itoa(i)
		want, wok := all.get(g)
		got, gok := x.get(g)
		if got != want || gok != wok {
			t.Fatalf("GUID %s: got %q %v, want %q %v", g, got, gok, want, wok)
		}
	}
	for i := range maxReplyIndex + 20000 {
		g := "G" + strconv.Itoa(i)
		all.put(g, id(i))
		x.put(g, id(i))
		if i%100000 == 3 && i > 100000 {
			// An originator put again keeps its place while held, and
			// is put anew once forgotten.
			all.put("G7", id(i))
			x.put("G7", id(i))
		}
		if i%997 == 0 || i >= maxReplyIndex {
			check(i - i%5000 + 7)
			check(7)
			check(5007)
		}
	}
	for i := 7; i < maxReplyIndex+20000; i += 5000 {
		check(i)
	}
}

func TestMessageChats(t *testing.T) {
	var mc messageChats
	want := map[int64]int64{}
	add := func(msg, chat int64) {
		mc.add(msg, chat)
		if old, ok := want[msg]; !ok || chat < old {
			want[msg] = chat
		}
	}
	for chat := int64(9); chat >= -3; chat-- { // not in key order: the lowest must still win
		for msg := int64(0); msg < 2000; msg += 1 + chat&3 {
			add(msg, chat*1000)
		}
		add(1<<40+chat, chat)     // far past the rows: the map
		add(-5, chat)             // negative: the map
		add(70000+chat*7, 1+chat) // past the slice at first, in reach later
	}
	for msg, chat := range want {
		if got, ok := mc.get(msg); !ok || got != chat {
			t.Errorf("message %d: chat %d %v, want %d", msg, got, ok, chat)
		}
	}
	for _, msg := range []int64{2001, 1 << 41, -6, 1<<40 + 100} {
		if got, ok := mc.get(msg); ok {
			t.Errorf("message %d: chat %d, want none", msg, got)
		}
	}
}

func TestRowSet(t *testing.T) {
	var s rowSet
	for _, r := range []int64{0, 5, 64, 1000} {
		s.add(r)
	}
	for _, tt := range []struct {
		row  int64
		want bool
	}{{0, true}, {5, true}, {6, false}, {64, true}, {1000, true}, {999, false}, {1 << 40, false}, {-1, false}} {
		if got := s.has(tt.row); got != tt.want {
			t.Errorf("has(%d) = %v, want %v", tt.row, got, tt.want)
		}
	}
	// A ROWID too far to keep as a bit, or negative, makes every row a
	// maybe.
	for _, far := range []int64{1 << 40, -3} {
		var s rowSet
		s.add(7)
		s.add(far)
		for _, row := range []int64{7, 8, far, 1 << 50} {
			if !s.has(row) {
				t.Errorf("after add(%d): has(%d) = false, want true", far, row)
			}
		}
	}
}
