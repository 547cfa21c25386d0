package rediscache

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestSharedAcrossCaches: two Caches on one Redis (two processes) share
// entries, values and cached errors; a corrupt value is a miss, counted.
func TestSharedAcrossCaches(t *testing.T) {
	// The client's retries and dial timeout are go-redis's defaults.
	client := redistest.Start(t, 0).Client(t, func(o *goredis.Options) { o.MaxRetries, o.DialTimeout = 0, 0 })
	newCache := func(name string) (*cache.Cache[string], *Store[string]) {
		s, err := New[string](client, String{}, Config{Prefix: "{t}:"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cache.New[string](nil, name, cache.Config{TTL: time.Minute, NegativeTTL: time.Minute}, s)
		if err != nil {
			t.Fatal(err)
		}
		return c, s
	}
	a, _ := newCache("a")
	b, sb := newCache("b")
	ctx := context.Background()
	calls := 0
	fn := func(context.Context) (string, error) { calls++; return "v", nil }
	a.Get(ctx, "k", fn)
	if v, err := b.Get(ctx, "k", fn); v != "v" || err != nil || calls != 1 {
		t.Errorf("b.Get = %q, %v after %d calls, want v, nil after 1", v, err, calls)
	}
	a.Get(ctx, "e", func(context.Context) (string, error) { return "", errors.New("not found") })
	if _, err := b.Get(ctx, "e", fn); err == nil || err.Error() != "not found" || calls != 1 {
		t.Errorf("b.Get(e) err = %v after %d calls, want the cached not found", err, calls)
	}
	if ttl := client.PTTL(ctx, "{t}:k").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL = %v, want in (0, 1m]", ttl)
	}
	client.Set(ctx, "{t}:bad", "x", time.Minute)
	if _, ok := sb.Get("bad"); ok || sb.Errors() != 1 {
		t.Errorf("corrupt entry: found %v, Errors %d, want a miss and 1", ok, sb.Errors())
	}
	b.Invalidate("k")
	if n := client.Exists(ctx, "{t}:k").Val(); n != 0 {
		t.Errorf("after Invalidate the key exists (%d)", n)
	}
}

// TestRedisDown: with Redis gone, Get misses and Set drops within the
// timeout, counting errors, and the Cache still answers by calling.
func TestRedisDown(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, MaxRetries: -1})
	defer client.Close()
	s, err := New[string](client, String{}, Config{Timeout: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cache.New[string](nil, "down", cache.Config{}, s)
	v, err := c.Get(context.Background(), "k", func(context.Context) (string, error) { return "v", nil })
	if v != "v" || err != nil || s.Errors() != 2 {
		t.Errorf("Get = %q, %v with Errors %d, want v, nil, 2", v, err, s.Errors())
	}
}

func TestConfigValidate(t *testing.T) {
	long := string(make([]byte, LongestPrefix+1))
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{}, ""},
		{Config{Prefix: long}, "Prefix"},
		{Config{Timeout: -1}, "Timeout"},
		{Config{Timeout: LargestTimeout + 1}, "Timeout"},
	} {
		err := tc.cfg.Validate()
		var ce *messages.ConfigError
		if got := ""; errors.As(err, &ce) {
			got = ce.Field
			if got != tc.field {
				t.Errorf("Validate() field = %q, want %q", got, tc.field)
			}
		} else if tc.field != "" {
			t.Errorf("Validate() = %v, want a ConfigError on %s", err, tc.field)
		}
	}
	if _, err := New[string](nil, String{}, Config{}, nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("New(nil client) = %v, want ErrInvalidConfig", err)
	}
}

// FuzzDecode: decode never panics, and what encode makes decodes to the
// same entry.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{}, "v", int64(1), int64(2), false)
	f.Add(make([]byte, header), "", int64(-1), int64(0), true)
	f.Fuzz(func(t *testing.T, raw []byte, v string, fresh, stale int64, isErr bool) {
		decode[string](raw, String{})
		e := &cache.Entry[string]{Value: v, Fresh: time.Unix(0, fresh), Stale: time.Unix(0, stale)}
		if isErr {
			e.Value, e.Err = "", errors.New(v)
		}
		b, err := encode(e, String{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := decode[string](b, String{})
		if err != nil || got.Value != e.Value || !got.Fresh.Equal(e.Fresh) || !got.Stale.Equal(e.Stale) ||
			(got.Err == nil) != (e.Err == nil) || (e.Err != nil && got.Err.Error() != e.Err.Error()) {
			t.Fatalf("round trip of %+v = %+v, %v", e, got, err)
		}
	})
}
