package cache_test

import (
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
)

// FuzzMemoryStore runs a sequence of Sets, Gets and Deletes (each byte an
// operation on one of 16 keys with a value of up to 63 bytes) against a
// small store and checks its bounds and its accounting after each step,
// and that a key just set is found (it always fits) with its value.
func FuzzMemoryStore(f *testing.F) {
	f.Add(uint8(4), uint16(600), []byte{0x00, 0x41, 0x82, 0xc3, 0x04, 0x05, 0x46})
	f.Add(uint8(1), uint16(200), []byte{0xff, 0x3f, 0x7f, 0xbf})
	f.Add(uint8(16), uint16(5000), []byte("a long sequence of operations on the store"))
	f.Fuzz(func(t *testing.T, entries uint8, maxBytes uint16, ops []byte) {
		cfg := cache.MemoryConfig{MaxEntries: int(entries%16) + 1, MaxBytes: int64(maxBytes%8000) + 300}
		s, err := cache.NewMemoryStore[string](cfg)
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 16)
		for i := range keys {
			keys[i] = string(rune('a' + i))
		}
		for _, op := range ops {
			k := keys[op&15]
			switch op >> 6 {
			case 0, 1:
				v := string(make([]byte, op&63))
				s.Set(k, &cache.Entry[string]{Value: v})
				if e, ok := s.Get(k); !ok || e.Value != v {
					t.Fatalf("Set(%s) then Get: %v, %v", k, e, ok)
				}
			case 2:
				s.Get(k)
			case 3:
				s.Delete(k)
				if _, ok := s.Get(k); ok {
					t.Fatalf("Delete(%s) then Get found it", k)
				}
			}
			if s.Len() > cfg.MaxEntries || s.Bytes() > cfg.MaxBytes {
				t.Fatalf("Len %d, Bytes %d past %+v", s.Len(), s.Bytes(), cfg)
			}
			checkAccounting(t, s, keys)
		}
	})
}

// FuzzConfigValidate: Validate never panics, and New agrees with it.
func FuzzConfigValidate(f *testing.F) {
	f.Add(int64(0), int64(0), int64(0), 0, int64(0))
	f.Add(int64(-1), int64(time.Hour), int64(time.Second), 100, int64(1<<20))
	f.Add(int64(cache.LargestTTL+1), int64(-5), int64(0), -3, int64(cache.LargestMaxBytes+1))
	f.Fuzz(func(t *testing.T, ttl, stale, neg int64, entries int, bytes int64) {
		cfg := cache.Config{TTL: time.Duration(ttl), StaleFor: time.Duration(stale),
			NegativeTTL: time.Duration(neg), MaxEntries: entries % (cache.LargestMaxEntries + 2), MaxBytes: bytes}
		verr := cfg.Validate()
		if verr != nil {
			if _, err := cache.New[int](nil, "f", cfg, nil); err == nil {
				t.Fatalf("Validate() = %v but New accepted %+v", verr, cfg)
			}
			return
		}
		if cfg.MaxEntries > 1<<12 {
			return // a valid large store allocates; Validate agreeing is enough
		}
		if _, err := cache.New[int](nil, "f", cfg, nil); err != nil {
			t.Fatalf("Validate() = nil but New(%+v) = %v", cfg, err)
		}
	})
}
