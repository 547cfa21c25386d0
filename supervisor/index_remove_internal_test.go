package supervisor

import (
	"fmt"
	"runtime"
	"testing"
)

// sameShardKeys returns n keys whose hashes pick the same shard of a new
// index's table.
func sameShardKeys(n int) []key {
	var keys []key
	for i := 0; len(keys) < n; i++ {
		k := key{"k", fmt.Sprint("n", i)}
		if hash(k)%initialShards == 0 {
			keys = append(keys, k)
		}
	}
	return keys
}

// A removal that finds its shard frozen waits for the replacement and
// clears the entry there too if the writer that froze it had copied it;
// either way the entry is gone once remove returns and counted out once.
func TestRemoveRacingAFreeze(t *testing.T) {
	for _, copiedFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("copied first ", copiedFirst), func(t *testing.T) {
			var ix index
			ix.init()
			keys := sameShardKeys(3)
			var entries []*entry
			for _, k := range keys {
				e, mine := ix.reserve(k, hash(k), nil)
				if !mine {
					t.Fatalf("reserve(%v): found, want a new entry", k)
				}
				entries = append(entries, e)
			}
			p := ix.table.Load().shard(hash(keys[0]))
			s := p.Load()
			s.frozen.Store(true) // as enlarge does, before it copies
			var moving []slotCopy
			if copiedFirst {
				moving = s.freeze(nil)
			}
			i0 := s.position(entries[0])
			done := make(chan struct{})
			go func() {
				ix.remove(entries[0])
				close(done)
			}()
			for s.slots[i0].e.Load() != gone {
				runtime.Gosched() // until remove has cleared its slot in s
			}
			if !copiedFirst {
				moving = s.freeze(nil)
			}
			p.Store(fill(moving, 2))
			<-done
			if e := ix.get(keys[0], hash(keys[0])); e != nil {
				t.Fatalf("get(%v) after remove: %p, want nil", keys[0], e)
			}
			for i, k := range keys[1:] {
				if e := ix.get(k, hash(k)); e != entries[i+1] {
					t.Fatalf("get(%v): %p, want %p", k, e, entries[i+1])
				}
			}
			if n := ix.count.Load(); n != 2 {
				t.Fatalf("count after one removal of three: %d, want 2", n)
			}
		})
	}
}
