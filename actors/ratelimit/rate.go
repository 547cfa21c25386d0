package ratelimit

import (
	"strconv"
	"time"
)

// Rate is a number of events per period: "10/second" is Rate{10, time.Second}.
// A Rate allows a burst of Count events, then Count per Period spread evenly
// (GCRA), or at most about Count in any Period (SlidingWindow). Rate is a
// small comparable value.
type Rate struct {
	// Count is the number of events per Period; at least 1.
	Count int64
	// Period is the length of the window; positive.
	Period time.Duration
}

// maxWindowCount is the largest Count the sliding window can hold: each of
// its two counters has 20 bits in the key's one word of state.
const maxWindowCount = 1<<20 - 1

// ParseRate parses "N/unit": N a decimal count of at least 1, unit one of
// second, minute, hour, day, their plurals (seconds, ...) or their short
// forms s, m, h, d. Nothing else is accepted (no spaces, signs, multiples
// such as "5/2minute"); the error is a *RateError quoting s. ParseRate does
// not allocate unless s is malformed.
func ParseRate(s string) (Rate, error) {
	slash := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			slash = i
			break
		}
	}
	if slash < 0 {
		return Rate{}, &RateError{Input: s, Rule: `want "N/second", "N/minute", "N/hour" or "N/day"`}
	}
	num, unit := s[:slash], s[slash+1:]
	var period time.Duration
	switch unit {
	case "second", "seconds", "s":
		period = time.Second
	case "minute", "minutes", "m":
		period = time.Minute
	case "hour", "hours", "h":
		period = time.Hour
	case "day", "days", "d":
		period = 24 * time.Hour
	default:
		return Rate{}, &RateError{Input: s, Rule: "unknown period " + strconv.Quote(unit) + " (want second, minute, hour or day, plural or s/m/h/d)"}
	}
	if num == "" {
		return Rate{}, &RateError{Input: s, Rule: "missing count"}
	}
	if num[0] == '-' {
		return Rate{}, &RateError{Input: s, Rule: "count must be at least 1"}
	}
	var n int64
	for i := 0; i < len(num); i++ {
		d := num[i]
		if d < '0' || d > '9' {
			return Rate{}, &RateError{Input: s, Rule: "count must be a whole decimal number"}
		}
		if n > (int64(period)-int64(d-'0'))/10 {
			return Rate{}, &RateError{Input: s, Rule: "count must be at most one per nanosecond"}
		}
		n = n*10 + int64(d-'0')
	}
	r := Rate{Count: n, Period: period}
	if rule := r.invalid(); rule != "" {
		return Rate{}, &RateError{Input: s, Rule: rule}
	}
	return r, nil
}

// MustParseRate is ParseRate for constants in tests and examples: it panics
// on a malformed rate.
func MustParseRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// invalid says why r is unusable, or returns "".
func (r Rate) invalid() string {
	switch {
	case r.Count < 1:
		return "count must be at least 1"
	case r.Period <= 0:
		return "period must be positive"
	case r.Count > int64(r.Period):
		return "count must be at most one per nanosecond"
	}
	return ""
}

// check returns a *RateError if r is unusable (built only then).
func (r Rate) check() error {
	if rule := r.invalid(); rule != "" {
		return &RateError{Input: strconv.FormatInt(r.Count, 10) + "/" + r.Period.String(), Rule: rule}
	}
	return nil
}

// Interval is the time between two events at an even pace: Period/Count,
// rounded down to a whole nanosecond. GCRA admits one event per Interval
// after the burst.
func (r Rate) Interval() time.Duration { return r.Period / time.Duration(r.Count) }

// String returns r in the form ParseRate reads, e.g. "10/second"; a Period
// that is not one of the four units is written as a Go duration
// ("10/1m30s"), which ParseRate does not read.
func (r Rate) String() string {
	var unit string
	switch r.Period {
	case time.Second:
		unit = "second"
	case time.Minute:
		unit = "minute"
	case time.Hour:
		unit = "hour"
	case 24 * time.Hour:
		unit = "day"
	default:
		unit = r.Period.String()
	}
	return strconv.FormatInt(r.Count, 10) + "/" + unit
}
