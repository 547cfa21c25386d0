package ratelimit

import (
	"errors"
	"math"
	"math/bits"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzParseRate: any string is a valid Rate that prints back to itself, or
// a *RateError quoting it; never a panic.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/second", "1/s", "100/minute", "5/h", "1000/days", "0/second", "-1/s",
		"10/week", "", "/", "1/", "/s", "500000001/second", "9999999999999999/s", "99999999999999999/d",
		"1000000000/second", "1000000001/second", "86400000000000/day", "1 /s", "1/second ", "٣/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			var re *RateError
			if !errors.As(err, &re) || re.Input != s || re.Rule == "" || !errors.Is(err, messages.ErrInvalidConfig) {
				t.Fatalf("ParseRate(%q): got %v, want a *RateError quoting the input", s, err)
			}
			return
		}
		if r.invalid() != "" || r.Count < 1 || r.Period <= 0 || r.Count > int64(r.Period) {
			t.Fatalf("ParseRate(%q) = %+v, an unusable rate", s, r)
		}
		if back, err := ParseRate(r.String()); err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %+v, printed %q, read back %+v, %v", s, r, r.String(), back, err)
		}
		if !strings.Contains(s, "/") {
			t.Fatalf("ParseRate(%q) accepted a rate without /", s)
		}
	})
}

// FuzzConfig: any Config is refused with a *ConfigError naming a field,
// or takes defaults within the documented bounds, with a key cap split
// over the shards that adds up to MaxKeys exactly, each share at least 1.
func FuzzConfig(f *testing.F) {
	f.Add(uint8(0), 0, 0, int64(0))
	f.Add(uint8(1), 256, 1, int64(time.Second))
	f.Add(uint8(0), 3, 300, int64(time.Hour))
	f.Add(uint8(2), -1, -1, int64(-1))
	f.Add(uint8(1), 1000, 1<<41, int64(time.Hour+1))
	f.Add(uint8(0), 7, 5, int64(time.Microsecond))
	f.Fuzz(func(t *testing.T, alg uint8, shards, maxKeys int, sweep int64) {
		cfg := Config{Algorithm: Algorithm(alg), Shards: shards, MaxKeys: maxKeys, SweepInterval: time.Duration(sweep)}
		full, err := cfg.withDefaults()
		if verr := cfg.Validate(); (verr == nil) != (err == nil) {
			t.Fatalf("%+v: Validate %v, withDefaults %v", cfg, verr, err)
		}
		if err != nil {
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || ce.Field == "" || ce.Pattern != Kind {
				t.Fatalf("%+v: got %v, want a *ConfigError", cfg, err)
			}
			return
		}
		if full.Algorithm > SlidingWindow || full.Shards < 1 || full.Shards > LargestShards || bits.OnesCount(uint(full.Shards)) != 1 ||
			full.SweepInterval < SmallestSweepInterval || full.SweepInterval > LargestSweepInterval || full.MaxKeys != cfg.MaxKeys {
			t.Fatalf("%+v: defaulted to %+v, outside the bounds", cfg, full)
		}
		if full.MaxKeys == 0 {
			return
		}
		if full.Shards > full.MaxKeys {
			t.Fatalf("%+v: %d shards for a cap of %d keys", cfg, full.Shards, full.MaxKeys)
		}
		sum := 0
		for i := range full.Shards {
			share := full.shardKeys(i)
			if share < 1 {
				t.Fatalf("%+v: shard %d holds %d keys", cfg, i, share)
			}
			sum += share
		}
		if sum != full.MaxKeys {
			t.Fatalf("%+v: shards hold %d keys, want %d", cfg, sum, full.MaxKeys)
		}
	})
}

// FuzzRateBound drives one key with a random workload — allows, Wait
// reservations and cancellations, at clock readings that may lag — under a
// random rate and checks that the grants never exceed burst + rate*t in any
// interval, on either algorithm (the sliding window only allows).
func FuzzRateBound(f *testing.F) {
	f.Add(false, int64(6), int64(10), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(false, int64(1), int64(math.MaxInt64), []byte{1, 1, 200, 1, 1})
	f.Add(false, int64(500000001), int64(time.Second), []byte{3, 3, 3, 3, 0, 255, 3, 3})
	f.Add(false, int64(3), int64(7), []byte{2, 2, 2, 4, 2, 2, 4, 4, 1, 1, 1, 0, 0, 1})
	f.Add(true, int64(3), int64(7), []byte{1, 1, 1, 1, 10, 1, 1, 1, 1, 20, 1, 1, 1, 1, 1})
	f.Add(true, int64(4), int64(time.Second), []byte{1, 1, 1, 1, 200, 1, 1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, window bool, count, period int64, ops []byte) {
		r := Rate{Count: count, Period: time.Duration(period)}
		alg := GCRA
		if window {
			alg = SlidingWindow
			if r.invalid() != "" || r.Count > LargestWindowCount || !windowSpanOK(r) {
				return
			}
		}
		if r.invalid() != "" || len(ops) > 200 {
			return
		}
		c := algCell(r, alg)
		var times []int64
		type pend struct {
			res reservation
			at  int64
		}
		var pending []pend
		var now int64
		step := max(int64(r.Period)/int64(min(r.Count, 1<<20)), 1) / 4
		for i, op := range ops {
			switch op % 5 {
			case 0: // time passes, up to a period
				now += int64(op/5) * max(step, 1)
				if now < 0 {
					return
				}
			case 1, 2: // an allow, maybe on a lagging reading
				at := max(now-int64(op/5)%3, 0)
				if ok, _, _ := c.allowAt(at); ok {
					times = append(times, at)
				}
			case 3: // a Wait
				if window {
					break
				}
				if res, ok, wait := tryReserve(c, now, int64(r.Period)*2); ok {
					pending = append(pending, pend{res, now + wait})
				}
			case 4: // a Wait gives up
				if len(pending) > 0 {
					j := (i + int(op)) % len(pending)
					cancelRes(c, pending[j].res)
					pending = append(pending[:j], pending[j+1:]...)
				}
			}
		}
		for _, p := range pending {
			times = append(times, p.at)
		}
		sortInts(times)
		if ok, i, j := boundOK(times, r); !ok {
			t.Fatalf("%v: %d granted in [%d, %d]ns", r, j-i+1, times[i], times[j])
		}
	})
}
