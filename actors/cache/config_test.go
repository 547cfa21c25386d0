package cache_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/messages"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   cache.Config
		field string // "" = valid
	}{
		{cache.Config{}, ""},
		{cache.Config{TTL: cache.LargestTTL, StaleFor: cache.LargestTTL, NegativeTTL: cache.LargestTTL}, ""},
		{cache.Config{TTL: -1}, "TTL"},
		{cache.Config{TTL: cache.LargestTTL + 1}, "TTL"},
		{cache.Config{StaleFor: -time.Second}, "StaleFor"},
		{cache.Config{StaleFor: cache.LargestTTL + 1}, "StaleFor"},
		{cache.Config{NegativeTTL: -1}, "NegativeTTL"},
		{cache.Config{NegativeTTL: cache.LargestTTL + 1}, "NegativeTTL"},
		{cache.Config{Negative: func(error) bool { return true }}, "Negative"},
		{cache.Config{MaxEntries: -1}, "MaxEntries"},
		{cache.Config{MaxEntries: cache.LargestMaxEntries + 1}, "MaxEntries"},
		{cache.Config{MaxBytes: -1}, "MaxBytes"},
		{cache.Config{MaxBytes: cache.LargestMaxBytes + 1}, "MaxBytes"},
	} {
		err := tc.cfg.Validate()
		var ce *messages.ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: Validate() = %v, want nil", tc.cfg, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
			t.Errorf("%+v: Validate() = %v, want a ConfigError on %s", tc.cfg, err, tc.field)
		case tc.field != "" && !errors.Is(err, messages.ErrInvalidConfig):
			t.Errorf("Validate() = %v, want ErrInvalidConfig", err)
		}
		if tc.field != "" {
			if _, err := cache.New[int](nil, "x", tc.cfg, nil); !errors.As(err, &ce) {
				t.Errorf("New(%+v) error = %v, want a ConfigError", tc.cfg, err)
			}
		}
	}
}
