package redis

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/messages"
)

// hashTag returns the hash tag Redis Cluster hashes for key, by the rule of
// the Cluster specification, and whether there is one.
func hashTag(key string) (string, bool) {
	if s := strings.IndexByte(key, '{'); s >= 0 {
		if e := strings.IndexByte(key[s+1:], '}'); e > 0 {
			return key[s+1 : s+1+e], true
		}
	}
	return "", false
}

// FuzzKeyBase: whatever the key's bytes, a decision's keys carry one
// non-empty hash tag (so one Cluster slot), the tag identifies the key, and
// the limit and period stay after it.
func FuzzKeyBase(f *testing.F) {
	for _, k := range []string{"", "}", "{", "{}", "}{", "a{b}c", "user_123", "#", "%", "#YQ", "line\nbreak", strings.Repeat("x", 257), "\x00\xff"} {
		f.Add(k, k+"x")
	}
	f.Fuzz(func(t *testing.T, k1, k2 string) {
		b1 := keyBase(DefaultPrefix, k1, 7, 1_000_000)
		tag, ok := hashTag(b1 + ":gcra")
		if !ok || tag == "" {
			t.Fatalf("key %q: %q has no hash tag", k1, b1)
		}
		if !strings.HasPrefix(b1, DefaultPrefix+":{"+tag+"}:7/1000000") || len(b1) != len(DefaultPrefix)+len(tag)+len(":{}:7/1000000") {
			t.Fatalf("key %q: got %q, want prefix, tag %q, limit and period", k1, b1, tag)
		}
		switch {
		case tag[0] == '#':
			if dec, err := base64.RawURLEncoding.DecodeString(tag[1:]); err != nil || string(dec) != k1 {
				t.Fatalf("key %q: tag %q decodes to %q, %v", k1, tag, dec, err)
			}
		case tag[0] == '%':
			sum := sha256.Sum256([]byte(k1))
			if len(k1) <= maxPlainKey || tag[1:] != base64.RawURLEncoding.EncodeToString(sum[:]) {
				t.Fatalf("key %q: tag %q is not its digest", k1, tag)
			}
		case tag != k1:
			t.Fatalf("key %q: plain tag %q", k1, tag)
		}
		if b2 := keyBase(DefaultPrefix, k2, 7, 1_000_000); (b1 == b2) != (k1 == k2) {
			t.Fatalf("keys %q and %q: bases %q and %q", k1, k2, b1, b2)
		}
	})
}

// FuzzConfig: any Config is refused with a ConfigError or takes defaults
// within the documented bounds.
func FuzzConfig(f *testing.F) {
	f.Add("", uint8(0), uint8(0), int64(0), 0, 20)
	f.Add("app:{x}", uint8(1), uint8(1), int64(time.Second), 10, 20)
	f.Add("p", uint8(9), uint8(2), int64(-1), -1, 1)
	f.Add(strings.Repeat("p", 300), uint8(1), uint8(1), int64(2*time.Minute), 1<<20, 1<<30)
	f.Fuzz(func(t *testing.T, prefix string, alg, mode uint8, timeout int64, maxInFlight, pool int) {
		if pool < 1 {
			pool = 1 // clientPool refuses a smaller pool
		}
		cfg := Config{Prefix: prefix, Algorithm: ratelimit.Algorithm(alg), FailMode: FailMode(mode), Timeout: time.Duration(timeout), MaxInFlight: maxInFlight}
		got, err := cfg.withDefaults(pool)
		if err != nil {
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || ce.Field == "" || ce.Rule == "" {
				t.Fatalf("%+v: got %v, want a ConfigError", cfg, err)
			}
			return
		}
		if cfg.Validate() != nil {
			t.Fatalf("%+v: Validate refuses what withDefaults accepts", cfg)
		}
		switch {
		case got.Prefix == "" || len(got.Prefix) > LongestPrefix || strings.ContainsAny(got.Prefix, "{}"):
			t.Fatalf("Prefix %q", got.Prefix)
		case got.Algorithm > ratelimit.SlidingWindow || got.FailMode > FailClosed:
			t.Fatalf("Algorithm %d, FailMode %d", got.Algorithm, got.FailMode)
		case got.Timeout <= 0 || got.Timeout > LargestTimeout:
			t.Fatalf("Timeout %v", got.Timeout)
		case got.MaxInFlight < 1 || got.MaxInFlight > LargestMaxInFlight || got.MaxInFlight > pool:
			t.Fatalf("MaxInFlight %d with pool %d", got.MaxInFlight, pool)
		}
	})
}

// FuzzRate: a rate, as a string or as a limit and a period, is refused with
// a *ratelimit.RateError, or its limit and period are counted exactly: GCRA's
// interval and tolerance add up to the period with no remainder lost, and
// every time the scripts hold stays below 2^53 µs until the year 2200.
func FuzzRate(f *testing.F) {
	for _, s := range []string{"10/s", "100/minute", "5/hour", "1/day", "2147483647/s", "2147483648/s", "1048576/m", "0/s", "-1/s", "abc", "1/week", "9999999999999999/d"} {
		f.Add(s, int64(10), int64(4*time.Microsecond), false)
		f.Add(s, int64(6), int64(10*time.Microsecond+1), true)
	}
	f.Add("", int64(1), int64(math.MaxInt64), true)
	f.Add("", int64(math.MaxInt32), int64(time.Microsecond), true)
	until := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	f.Fuzz(func(t *testing.T, rate string, count, period int64, gcra bool) {
		l := &Limiter{cfg: Config{Algorithm: ratelimit.SlidingWindow}}
		if gcra {
			l.cfg.Algorithm = ratelimit.GCRA
		}
		check := func(what string, n int64, p time.Duration) {
			if err := l.bind("k", ratelimit.Rate{Count: n, Period: p}, "").err; err != nil {
				var re *ratelimit.RateError
				if !errors.As(err, &re) || !errors.Is(err, messages.ErrInvalidConfig) {
					t.Fatalf("%s: got %v, want a *ratelimit.RateError", what, err)
				}
				return
			}
			micros := int64(p / time.Microsecond)
			if time.Duration(micros)*time.Microsecond != p || until+2*micros >= 1<<53 || n > LargestCount {
				t.Fatalf("%s: %d/%v is not exact in the scripts", what, n, p)
			}
			q, rem, tq, tr := gcraParams(n, micros)
			if rem < 0 || rem >= n || tr < 0 || tr >= n || q < 0 || tq < 0 {
				t.Fatalf("%s: parts %d %d %d %d out of range", what, q, rem, tq, tr)
			}
			interval := new(big.Rat).SetFrac64(micros, n)
			if got := new(big.Rat).Add(big.NewRat(q, 1), big.NewRat(rem, n)); got.Cmp(interval) != 0 {
				t.Fatalf("%s: interval %v, want %v", what, got, interval)
			}
			tolerance := new(big.Rat).Sub(big.NewRat(micros, 1), interval)
			if got := new(big.Rat).Add(big.NewRat(tq, 1), big.NewRat(tr, n)); got.Cmp(tolerance) != 0 {
				t.Fatalf("%s: tolerance %v, want %v", what, got, tolerance)
			}
		}
		if r, err := ratelimit.ParseRate(rate); err == nil {
			check(strconv.Quote(rate), r.Count, r.Period)
		}
		check("limit and period", count, time.Duration(period))
	})
}
