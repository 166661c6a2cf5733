package ingest

import (
	"net/mail"
	"strings"
)

// mailFastAddressList reads the address lists most mail carries
// ("Name Name <local@domain>", "<local@domain>" or "local@domain",
// separated by commas, in plain ASCII) as enmime.ParseAddressList (that
// is, net/mail) reads them, without its general parser, which cost a
// tenth of an mbox import (issue 17). ok is false for anything else
// (quotes, comments, encoded words, groups, 8-bit bytes, ...), which
// enmime then reads. FuzzMailFastAddressList compares the two.
func mailFastAddressList(s string) (_ []*mail.Address, ok bool) {
	var out []*mail.Address
	for {
		s = strings.TrimLeft(s, " ")
		end := strings.IndexByte(s, ',')
		if end < 0 {
			end = len(s)
		}
		a, ok := mailFastAddress(strings.TrimRight(s[:end], " "))
		if !ok {
			return nil, false
		}
		out = append(out, a)
		if end == len(s) {
			return out, true
		}
		s = s[end+1:]
	}
}

// mailFastAddress reads one address of mailFastAddressList.
func mailFastAddress(s string) (*mail.Address, bool) {
	if mailFastAddrSpec(s) {
		return &mail.Address{Address: s}, true
	}
	lt := strings.IndexByte(s, '<')
	if lt < 0 || !strings.HasSuffix(s, ">") || !mailFastAddrSpec(s[lt+1:len(s)-1]) {
		return nil, false
	}
	name := s[:lt]
	if name != "" {
		// Words of letters and digits, one space apart, then one space.
		name = strings.TrimSuffix(name, " ")
		if len(name) == lt || name == "" {
			return nil, false
		}
		for _, w := range strings.Split(name, " ") {
			if !mailFastWord(w, "") {
				return nil, false
			}
		}
	}
	return &mail.Address{Name: name, Address: s[lt+1 : len(s)-1]}, true
}

// mailFastAddrSpec reports whether s is local@domain: dot-separated
// runs of letters, digits and "_+-" (local part) or "-" (domain).
func mailFastAddrSpec(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok {
		return false
	}
	for _, w := range strings.Split(local, ".") {
		if !mailFastWord(w, "_+-") {
			return false
		}
	}
	for _, w := range strings.Split(domain, ".") {
		if !mailFastWord(w, "-") {
			return false
		}
	}
	return true
}

// mailFastWord reports whether w is a non-empty run of ASCII letters,
// digits and bytes of extra.
func mailFastWord(w, extra string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}
