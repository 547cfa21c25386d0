package redisbreaker

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/messages"
)

// TestConfigValidate: every refused value is a ConfigError naming the
// field; zero values take the defaults.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{}, ""},
		{Config{Prefix: strings.Repeat("p", LongestPrefix+1)}, "Prefix"},
		{Config{Prefix: "a{b"}, "Prefix"},
		{Config{FlushInterval: time.Microsecond}, "FlushInterval"},
		{Config{FlushInterval: LargestFlushInterval + 1}, "FlushInterval"},
		{Config{FlushOutcomes: -1}, "FlushOutcomes"},
		{Config{FlushOutcomes: LargestFlushOutcomes + 1}, "FlushOutcomes"},
		{Config{Timeout: -1}, "Timeout"},
		{Config{Timeout: LargestTimeout + 1}, "Timeout"},
		{Config{Breaker: circuitbreaker.Config{HalfOpenMaxCalls: -1}}, "HalfOpenMaxCalls"},
	} {
		err := tc.cfg.Validate()
		var ce *messages.ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: got %v, want valid", tc.cfg, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
			t.Errorf("%+v: got %v, want a ConfigError naming %s", tc.cfg, err, tc.field)
		}
	}
	full, _ := Config{}.withDefaults()
	if full.Prefix != DefaultPrefix || full.FlushInterval != DefaultFlushInterval || full.FlushOutcomes != DefaultFlushOutcomes || full.Timeout != DefaultTimeout {
		t.Errorf("defaults: got %+v", full)
	}
}
