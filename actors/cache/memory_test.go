package cache_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/actors/cache"
)

func newStore[V any](t testing.TB, cfg cache.MemoryConfig) *cache.MemoryStore[V] {
	t.Helper()
	s, err := cache.NewMemoryStore[V](cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func has[V any](s cache.Store[V], key string) bool {
	_, ok := s.Get(key)
	return ok
}

// TestMemoryStoreClock: a full ring evicts an entry not read since the
// hand passed, and gives read entries a second chance.
func TestMemoryStoreClock(t *testing.T) {
	s := newStore[int](t, cache.MemoryConfig{MaxEntries: 3})
	for _, k := range []string{"a", "b", "c"} {
		s.Set(k, &cache.Entry[int]{})
	}
	// Read a and c: b is the one without a second chance.
	s.Get("a")
	s.Get("c")
	s.Set("d", &cache.Entry[int]{})
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}, {"d", true}} {
		if got := has[int](s, tc.key); got != tc.want {
			t.Errorf("after Set(d): has(%s) = %v, want %v", tc.key, got, tc.want)
		}
	}
	if got, want := s.Len(), 3; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got, want := s.Evicted(), uint64(1); got != want {
		t.Errorf("Evicted() = %d, want %d", got, want)
	}
}

// TestMemoryStoreBytes: MaxBytes holds; an entry bigger than the store is
// not stored; replacing and deleting give bytes back.
func TestMemoryStoreBytes(t *testing.T) {
	// Each entry: 1-byte key + overhead + string header + its length.
	per := int64(1 + cache.EntryOverhead + 16)
	s := newStore[string](t, cache.MemoryConfig{MaxEntries: 100, MaxBytes: 3*per + 30})
	for i, k := range []string{"a", "b", "c"} {
		s.Set(k, &cache.Entry[string]{Value: fmt.Sprint(i)})
	}
	if got, want := s.Bytes(), 3*per+3; got != want {
		t.Fatalf("Bytes() = %d, want %d", got, want)
	}
	s.Set("d", &cache.Entry[string]{Value: string(make([]byte, 20))})
	if got, want := s.Len(), 3; got != want {
		t.Errorf("Len() after a large Set = %d, want %d (one evicted)", got, want)
	}
	if !has[string](s, "d") {
		t.Errorf("d not stored")
	}
	s.Set("huge", &cache.Entry[string]{Value: string(make([]byte, 4*per))})
	if has[string](s, "huge") {
		t.Errorf("an entry larger than MaxBytes was stored")
	}
	s.Delete("d")
	s.Set("a", &cache.Entry[string]{Value: "x"})
	checkAccounting(t, s, []string{"a", "b", "c", "d", "huge"})
	if has[string](s, "d") {
		t.Errorf("d still there after Delete")
	}
	if e, ok := s.Get("a"); !ok || e.Value != "x" {
		t.Errorf("Get(a) = %v, %v, want x", e, ok)
	}
}

// TestMemoryStoreConcurrentBounds races Sets, Gets and Deletes over more
// keys than fit and checks the bounds and the accounting afterwards.
func TestMemoryStoreConcurrentBounds(t *testing.T) {
	const maxEntries, maxBytes = 64, 64 * 200
	s := newStore[string](t, cache.MemoryConfig{MaxEntries: maxEntries, MaxBytes: maxBytes})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 1000 {
				k := fmt.Sprint((g*7919 + i*31) % 500)
				switch i % 5 {
				case 0, 1:
					s.Set(k, &cache.Entry[string]{Value: string(make([]byte, i%100))})
				case 4:
					s.Delete(k)
				default:
					if e, ok := s.Get(k); ok && e == nil {
						t.Error("Get returned a nil entry")
					}
				}
				if b := s.Bytes(); b > maxBytes {
					t.Errorf("Bytes() = %d > MaxBytes %d", b, maxBytes)
				}
			}
		})
	}
	wg.Wait()
	if got := s.Len(); got > maxEntries || got < 0 {
		t.Errorf("Len() = %d, want in [0, %d]", got, maxEntries)
	}
	keys := make([]string, 500)
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	checkAccounting(t, s, keys)
}

// checkAccounting checks, on a quiet store, that the keys found are the
// entries the ring counts and their sizes add up to Bytes.
func checkAccounting(t *testing.T, s *cache.MemoryStore[string], keys []string) {
	t.Helper()
	var sum int64
	n := 0
	for _, k := range keys {
		if e, ok := s.Get(k); ok {
			n++
			sum += int64(len(k)) + cache.EntryOverhead + 16 + int64(len(e.Value))
		}
	}
	if n != s.Len() || sum != s.Bytes() {
		t.Errorf("index holds %d entries of %d bytes, ring says %d entries of %d bytes", n, sum, s.Len(), s.Bytes())
	}
}

func TestMemoryConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  cache.MemoryConfig
		want bool
	}{
		{cache.MemoryConfig{}, true},
		{cache.MemoryConfig{MaxEntries: 1, MaxBytes: 1}, true},
		{cache.MemoryConfig{MaxEntries: -5}, false},
		{cache.MemoryConfig{MaxBytes: cache.LargestMaxBytes + 1}, false},
	} {
		_, err := cache.NewMemoryStore[int](tc.cfg)
		if got := err == nil; got != tc.want {
			t.Errorf("NewMemoryStore(%+v) error = %v, want ok %v", tc.cfg, err, tc.want)
		}
	}
}
