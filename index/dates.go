package index

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"coffer/vault"
)

// queryContext is what a query is read against: date: values (calendar
// dates are days in loc, relative dates count back from now) and the
// vault's policies for policy:.
type queryContext struct {
	now time.Time
	loc *time.Location
	// policies, when set, lists the vault's supervision policies, for
	// policy: (policyquery.go); nil accepts policy: without resolving
	// it (checking a query's syntax) and matches nothing.
	policies func() ([]vault.Policy, error)
}

const (
	minUnix = math.MinInt64
	maxUnix = math.MaxInt64
	// unknownUnix stands in for the time of a message whose time is
	// unknown: every range ends before it (ranges are half-open, so
	// "after:2024" ends at maxUnix, exclusive), only date:unknown starts
	// at it.
	unknownUnix = math.MaxInt64
)

// parseRange returns the half-open range [from, to) in Unix seconds that
// field:value denotes:
//
//	date:A..B  from the start of A to the end of B (either side optional)
//	date:A     all of A (a year, month, day, or since a relative point)
//	           (date:unknown is parsed apart: see parsePrimary)
//	after:A    from the start of A on (same as date:A..)
//	before:A   up to, not including, the start of A
func (dc *queryContext) parseRange(field, v string) (from, to int64, err error) {
	switch field {
	case "after":
		from, _, err = dc.period(v)
		return from, maxUnix, err
	case "before":
		to, _, err = dc.period(v)
		return minUnix, to, err
	}
	a, b, isRange := strings.Cut(v, "..")
	if !isRange {
		return dc.period(v)
	}
	from, to = minUnix, maxUnix
	if a != "" {
		if from, _, err = dc.period(a); err != nil {
			return 0, 0, err
		}
	}
	if b != "" {
		if _, to, err = dc.period(b); err != nil {
			return 0, 0, err
		}
	}
	if a == "" && b == "" {
		return 0, 0, errors.New(`a date range needs at least one end ("2024-01-01..", "..2024-03-31")`)
	}
	if from >= to {
		return 0, 0, errors.New("the date range ends before it starts")
	}
	return from, to, nil
}

// period returns the span a single date denotes: a calendar year, month
// or day, today/yesterday, or a relative point ("7d", "2w", "3m", "1y",
// "12h") which spans from that point until now.
func (dc *queryContext) period(v string) (from, to int64, err error) {
	from, to, _, err = dc.span(v)
	return from, to, err
}

// span is period, also saying whether v is a relative point.
func (dc *queryContext) span(v string) (from, to int64, relative bool, err error) {
	now := dc.now.In(dc.loc)
	day := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, dc.loc)
	}
	switch strings.ToLower(v) {
	case "today":
		d := day(now)
		return d.Unix(), d.AddDate(0, 0, 1).Unix(), false, nil
	case "yesterday":
		d := day(now).AddDate(0, 0, -1)
		return d.Unix(), d.AddDate(0, 0, 1).Unix(), false, nil
	}
	if n := len(v); n >= 2 && strings.ContainsRune("hdwmy", rune(v[n-1])) {
		if k, err := strconv.Atoi(v[:n-1]); err == nil && k >= 0 && k < 1000 {
			var t time.Time
			switch v[n-1] {
			case 'h':
				t = now.Add(-time.Duration(k) * time.Hour)
			case 'd':
				t = now.AddDate(0, 0, -k)
			case 'w':
				t = now.AddDate(0, 0, -7*k)
			case 'm':
				t = now.AddDate(0, -k, 0)
			case 'y':
				t = now.AddDate(-k, 0, 0)
			}
			return t.Unix(), now.Unix() + 1, true, nil
		}
	}
	// A quarter, as reviews are scheduled: 2025-Q1 is January to March.
	if len(v) == 7 && v[4] == '-' && (v[5] == 'Q' || v[5] == 'q') && v[6] >= '1' && v[6] <= '4' {
		if y, err := strconv.Atoi(v[:4]); err == nil && y > 0 {
			t := time.Date(y, time.Month(3*int(v[6]-'1')+1), 1, 0, 0, 0, 0, dc.loc)
			return t.Unix(), t.AddDate(0, 3, 0).Unix(), false, nil
		}
	}
	for _, f := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if len(v) != len(f.layout) {
			continue
		}
		t, err := time.ParseInLocation(f.layout, v, dc.loc)
		if err != nil {
			continue
		}
		return t.Unix(), f.next(t).Unix(), false, nil
	}
	return 0, 0, false, errors.New("bad date " + strconv.Quote(v) + ` (want 2024, 2024-Q1, 2024-03, 2024-03-31, today, yesterday or 7d, 2w, 3m, 1y)`)
}

// Period parses a date value of the query language (a year, month or
// day, today, yesterday, a relative point such as 7d, or a range A..B of
// these with one end left open) or an RFC 3339 time, for a time filter
// outside a query: `coffer audit show --since/--until` and the auditor's
// screen take what queries take. It returns the span [from, to) that v
// names, a zero Time for an open end. A point in time (7d, an RFC 3339
// time) has from == to: since 7d is from then on, until 7d up to then.
// Calendar dates are days in loc; relative points count back from now.
func Period(v string, now time.Time, loc *time.Location) (from, to time.Time, err error) {
	dc := &queryContext{now: now, loc: loc}
	one := func(v string) (from, to time.Time, err error) {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, t, nil
		}
		f, t, relative, err := dc.span(v)
		if err != nil {
			return from, to, err
		}
		if relative {
			t = f
		}
		return time.Unix(f, 0).In(loc), time.Unix(t, 0).In(loc), nil
	}
	a, b, isRange := strings.Cut(v, "..")
	if !isRange {
		return one(v)
	}
	if a == "" && b == "" {
		return from, to, errors.New(`a date range needs at least one end ("2024-01-01..", "..2024-03-31")`)
	}
	if a != "" {
		if from, _, err = one(a); err != nil {
			return from, to, err
		}
	}
	if b != "" {
		if _, to, err = one(b); err != nil {
			return from, to, err
		}
	}
	if a != "" && b != "" && !from.Before(to) {
		return from, to, errors.New("the date range ends before it starts")
	}
	return from, to, nil
}
