package ingest

import (
	"math"
	"strconv"
	"testing"
)

func TestCutInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		rest string
		ok   bool
	}{
		{in: "7", want: 7, ok: true},
		{in: "12,3", want: 12, rest: "3", ok: true},
		{in: "-5,6", want: -5, rest: "6", ok: true},
		{in: strconv.FormatInt(math.MaxInt64, 10), want: math.MaxInt64, ok: true},
		{in: strconv.FormatInt(math.MinInt64, 10) + ",1", want: math.MinInt64, rest: "1", ok: true},
		{in: "9223372036854775808"},
		{in: "-9223372036854775809"},
		{in: "99999999999999999999"},
		{in: ""},
		{in: "-"},
		{in: ",1"},
		{in: "1,"},
		{in: "+1"},
		{in: "1 ,2"},
		{in: "0x10"},
	}
	for _, tt := range tests {
		got, rest, ok := cutInt64([]byte(tt.in))
		if ok != tt.ok || ok && (got != tt.want || string(rest) != tt.rest) {
			t.Errorf("cutInt64(%q) = %d, %q, %v; want %d, %q, %v", tt.in, got, rest, ok, tt.want, tt.rest, tt.ok)
		}
	}
}
