package ingest

import (
	"testing"
	"time"
)

// TestParseMailDate covers the Date forms issue 17 §1 lists: every RFC
// 5322 and obsolete form, two-digit years, named and numeric zones,
// missing seconds, trailing comments. Before the field-by-field parser,
// the rows marked "was wrong" failed or gave another instant.
func TestParseMailDate(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		in       string
		want     string // RFC 3339 in UTC; "" for unparseable
		zoneless bool
	}{
		{"Fri, 21 Nov 1997 09:55:06 -0600", "1997-11-21T15:55:06Z", false},
		{"21 Nov 1997 09:55:06 -0600", "1997-11-21T15:55:06Z", false},
		{"Fri, 21 Nov 1997 09:55 -0600", "1997-11-21T15:55:00Z", false},
		{"Thu, 10 Jan 2002 13:58:10 -0800 (PST)", "2002-01-10T21:58:10Z", false},
		{"Fri, 21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06Z", false},
		{"Fri, 21 Nov 1997 09:55:06 EST", "1997-11-21T14:55:06Z", false},         // was wrong: read as UTC
		{"Sat, 1 Jan 2050 00:00:00 +0000", "2050-01-01T00:00:00Z", false},        // a four-digit year is as written
		{"Tue, 3 Jan 50 10:00 -0000", "1950-01-03T10:00:00Z", false},             // was wrong: 2050 (RFC 5322 4.3: 50-99 is 19xx)
		{"1 Jan 49 10:00:00 +0000", "2049-01-01T10:00:00Z", false},               // 00-49 is 20xx
		{"Mon, 3 Jan 103 10:00:00 +0000", "2003-01-03T10:00:00Z", false},         // was wrong: a three-digit year is 1900+
		{"Monday, 03-Jan-2005 10:00:00", "", false},                              // dashes: not a form we guess
		{"Monday, 3 January 2005 10:00:00 +0100", "2005-01-03T09:00:00Z", false}, // was wrong: full names
		{"Mon,3 Jan 2005 10:00:00 +0100 (CET)", "2005-01-03T09:00:00Z", false},
		{"Mon, 3 Jan 2005 10:00:00 +01:00", "2005-01-03T09:00:00Z", false},   // was wrong
		{"Mon, 3 Jan 2005 10:00:00 GMT+0100", "2005-01-03T09:00:00Z", false}, // was wrong
		{"Mon, 3 Jan 2005 10:00:00 A", "2005-01-03T10:00:00Z", false},        // was wrong; military zone: -0000
		{"Mon, 3 Jan 2005 3:04:05 PM -0500", "2005-01-03T20:04:05Z", false},  // was wrong
		{"Mon Jan  3 10:00:00 2005", "2005-01-03T15:00:00Z", true},           // asctime, read in the import's zone
		// RFC 5322 appendix A.6.3: folding, comments and spaces in the clock.
		{"Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)", "1969-02-14T03:02:00Z", false},
		{"Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", "1997-11-21T15:55:06Z", false}, // was wrong
		{"3 Jan 2005 10:00", "2005-01-03T15:00:00Z", true},                                 // was wrong
		{"Mon, 3 Jan 2005 23:59:60 +0000", "2005-01-03T23:59:59Z", false},                  // was wrong: a leap second
		{"Mon, 31 Feb 2005 10:00:00 +0000", "", false},
		{"Mon, 3 Jan 2005 25:00:00 +0000", "", false},
		{"Mon, 1 Jan 1800 00:00:00 +0000", "", false},
		{"<HR>", "", false},
		{"", "", false},
		{"sometime last week", "", false},
	} {
		got, zl, err := parseMailDate(tc.in, est)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: parsed as %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.UTC().Format(time.RFC3339) != tc.want || zl != tc.zoneless {
			t.Errorf("%q: %v zoneless %v (%v), want %s zoneless %v", tc.in, got.UTC().Format(time.RFC3339), zl, err, tc.want, tc.zoneless)
		}
	}
}
