package ratelimit

import (
	"strconv"
	"strings"
	"time"
)

// Rate is a number of events per period: "10/second" is Rate{10, time.Second}.
// A Rate allows a burst of Count events, then Count per Period spread evenly
// (GCRA), or at most about Count in any Period (SlidingWindow). Rate is a
// small comparable value.
type Rate struct {
	// Count is the number of events per Period; at least 1.
	Count int64
	// Period is the length of the window; positive, at most 2^62ns.
	Period time.Duration
}

// LargestPeriod is the longest Rate.Period the local limiter takes (2^62 ns,
// about 146 years): a GCRA word (a time plus one interval) then stays
// within int64 for the first 146 years of a limiter.
const LargestPeriod = 1 << 62

// LargestWindowCount is the largest Rate.Count the local sliding window
// takes (less for short periods, see Config's SlidingWindow): each of its
// two counters has at most 20 bits in the key's one word of state.
const LargestWindowCount = 1<<20 - 1

// maxWindowCountFor is the largest Count the sliding window takes for
// period: 1,048,575, less for periods too short for a window number of the
// bits the counts leave (see windowSpanOK).
func maxWindowCountFor(period time.Duration) int64 {
	for b := 20; b > 1; b-- {
		if c := int64(1)<<b - 1; windowSpanOK(Rate{Count: c, Period: period}) {
			return c
		}
	}
	return 1
}

// ParseRate parses "N/unit": N a decimal count of at least 1, unit one of
// second, minute, hour, day, their plurals (seconds, ...) or their short
// forms s, m, h, d. Nothing else is accepted (no spaces, signs, multiples
// such as "5/2minute"); the error is a *RateError quoting s. ParseRate does
// not allocate unless s is malformed.
func ParseRate(s string) (Rate, error) {
	// The fast path reads well-formed rates; anything else goes to
	// parseError, which says what is wrong.
	var n int64
	i := 0
	for ; i < len(s) && i < 16 && s[i]-'0' <= 9; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if i == 0 || i == len(s) || s[i] != '/' {
		return Rate{}, parseError(s)
	}
	var period time.Duration
	switch unit := s[i+1:]; unit {
	case "second", "s", "seconds":
		period = time.Second
	case "minute", "m", "minutes":
		period = time.Minute
	case "hour", "h", "hours":
		period = time.Hour
	case "day", "d", "days":
		period = 24 * time.Hour
	default:
		return Rate{}, parseError(s)
	}
	r := Rate{Count: n, Period: period}
	if r.invalid() != "" {
		return Rate{}, parseError(s)
	}
	return r, nil
}

// parseError explains why ParseRate refused s.
func parseError(s string) error {
	num, unit, found := strings.Cut(s, "/")
	rule := ""
	switch {
	case !found:
		rule = `want "N/second", "N/minute", "N/hour" or "N/day"`
	case unit != "second" && unit != "seconds" && unit != "s" && unit != "minute" && unit != "minutes" && unit != "m" &&
		unit != "hour" && unit != "hours" && unit != "h" && unit != "day" && unit != "days" && unit != "d":
		rule = "unknown period " + strconv.Quote(unit) + " (want second, minute, hour or day, plural or s/m/h/d)"
	case num == "":
		rule = "missing count"
	case strings.Trim(num, "0123456789") != "":
		if strings.HasPrefix(num, "-") {
			rule = "count must be at least 1"
		} else {
			rule = "count must be a whole decimal number"
		}
	case len(num) > 16:
		rule = "count must be at most one per nanosecond"
	default:
		n, _ := strconv.ParseInt(num, 10, 64)
		p, _ := ParseRate("1/" + unit)
		rule = Rate{Count: n, Period: p.Period}.invalid()
	}
	if rule == "" {
		rule = `want "N/second", "N/minute", "N/hour" or "N/day"`
	}
	return &RateError{Input: s, Rule: rule}
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
	case r.Period > LargestPeriod:
		return "period must be at most 2^62ns (about 146 years)"
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
// rounded down to a whole nanosecond. GCRA admits one event per
// Period/Count after the burst, exactly: it does not round the interval.
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
