package coalesce

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: a random Config is a *messages.ConfigError (Validate and New
// agree) or a Group whose fields are within their documented bounds.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), 0)
	f.Add(int64(time.Second), 100)
	f.Add(int64(-1), -1)
	f.Add(int64(LargestTimeout+1), LargestMaxKeys+1)
	f.Fuzz(func(t *testing.T, timeout int64, maxKeys int) {
		cfg := Config{Timeout: time.Duration(timeout), MaxKeys: maxKeys}
		g, err := New[int](nil, "fuzz", cfg)
		if verr := cfg.Validate(); (err == nil) != (verr == nil) {
			t.Fatalf("New %v, Validate %v: they disagree", err, verr)
		}
		var ce *messages.ConfigError
		if err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			return
		}
		if c := g.Config(); c.Timeout <= 0 || c.Timeout > LargestTimeout || c.MaxKeys < 1 || c.MaxKeys > LargestMaxKeys {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// FuzzList drives a shard list with a random sequence of starts, joins,
// closes and removals, against a model: at most one open flight per key,
// find returns it, closed flights are never found nor joined.
func FuzzList(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 8, 8, 16, 1, 9, 17})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var head *node[int]
		open := map[string]*flight[int]{}
		var all []*flight[int]
		for _, op := range ops {
			key := string(rune('a' + op%4))
			switch (op / 4) % 4 {
			case 0, 1: // a caller: join the open flight or start one
				if f := find(head, key); f != nil {
					if f != open[key] || !f.join() {
						t.Fatalf("key %s: found %p, model %p", key, f, open[key])
					}
					continue
				}
				if open[key] != nil {
					t.Fatalf("key %s: open flight not found", key)
				}
				f := &flight[int]{key: key, done: make(chan struct{})}
				f.word.Store(1)
				head = with(head, f)
				open[key] = f
				all = append(all, f)
			case 2: // the work for key ends
				if f := open[key]; f != nil {
					f.close()
					delete(open, key)
					if f.join() {
						t.Fatal("joined a closed flight")
					}
					if rest, changed := without(head, f); changed {
						head = rest
					}
				}
			case 3: // an old flight ends again: nothing changes
				if len(all) > 0 {
					if f := all[int(op)%len(all)]; f.closed() {
						if rest, changed := without(head, f); changed {
							head = rest
						}
					}
				}
			}
			n := 0
			for l := head; l != nil; l = l.next {
				if l.f.closed() {
					t.Fatalf("closed flight %s still listed", l.f.key)
				}
				n++
			}
			if n != len(open) {
				t.Fatalf("list holds %d flights, model %d", n, len(open))
			}
		}
	})
}
