package redisbreaker

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: any Config is refused with a ConfigError naming a field, or
// takes defaults within the documented bounds.
func FuzzConfig(f *testing.F) {
	f.Add("", int64(0), 0, int64(0), 0)
	f.Add("app", int64(time.Millisecond), 1, int64(time.Second), 1)
	f.Add("a{b}", int64(-1), -1, int64(-1), -1)
	f.Add(strings.Repeat("p", 300), int64(time.Hour), 1<<21, int64(2*time.Minute), 70000)
	f.Fuzz(func(t *testing.T, prefix string, interval int64, outcomes int, timeout int64, halfOpen int) {
		cfg := Config{Prefix: prefix, FlushInterval: time.Duration(interval), FlushOutcomes: outcomes, Timeout: time.Duration(timeout)}
		cfg.Breaker.HalfOpenMaxCalls = halfOpen
		got, err := cfg.withDefaults()
		if err != nil {
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || ce.Field == "" || ce.Rule == "" {
				t.Fatalf("%+v: got %v, want a ConfigError", cfg, err)
			}
			return
		}
		switch {
		case got.Prefix == "" || len(got.Prefix) > LongestPrefix || strings.ContainsAny(got.Prefix, "{}"):
			t.Fatalf("Prefix %q", got.Prefix)
		case got.FlushInterval < SmallestFlushInterval || got.FlushInterval > LargestFlushInterval:
			t.Fatalf("FlushInterval %v", got.FlushInterval)
		case got.FlushOutcomes < 1 || got.FlushOutcomes > LargestFlushOutcomes:
			t.Fatalf("FlushOutcomes %d", got.FlushOutcomes)
		case got.Timeout <= 0 || got.Timeout > LargestTimeout:
			t.Fatalf("Timeout %v", got.Timeout)
		}
	})
}
