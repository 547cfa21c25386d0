package coalesce

import "sync/atomic"

// Places. Of Config.MaxKeys places, each open flight and each kept result
// holds one. The Group's word (places.taken) counts the places its shards
// hold; a shard holds those of its own flights and kept results and, when
// MaxKeys is large, up to places.batch spare ones (shard.held), so a new
// flight takes a place, and an ended one gives it back, with one
// CompareAndSwap on its shard's line: the Group's word, which every core
// would share, is written about once per batch flights of a shard.
//
// A place is taken from the Group before a flight holds it, so open
// flights + kept results ≤ taken ≤ MaxKeys under any interleaving. When
// the Group has none left, a new flight first brings every shard's spare
// places back and looks again: it is refused only when all MaxKeys places
// are held by flights and kept results, or are on their way from the
// Group to a shard (between two instructions of another call that took a
// batch). With MaxKeys below shards × 8 a shard keeps no spare place: a
// place goes back to the Group as soon as it is given back, as it did
// with one word.
type places[T any] struct {
	// taken is written by the calls that fill or empty a shard: the pads
	// keep it off the lines of the Group's fields, which every call reads.
	_     [56]byte
	taken atomic.Int64
	_     [56]byte
	max   int64                             // Config.MaxKeys
	batch uint64                            // spare places a shard takes at once, and keeps at most
	table *atomic.Pointer[[shards]shard[T]] // the Group's shards
}

// Steps of shard.held: spare places | kept results << 32.
const (
	spareOne  uint64 = 1
	keptOne   uint64 = 1 << 32
	spareMask        = keptOne - 1
	lessKept         = ^keptOne + 1 // -keptOne, two's complement
)

func (p *places[T]) init(maxKeys int, table *atomic.Pointer[[shards]shard[T]]) {
	p.max, p.table = int64(maxKeys), table
	p.batch = uint64(min(maxKeys/(shards*8), 32))
}

// take takes a place for a new flight of sh, and reports whether there
// was one.
func (p *places[T]) take(sh *shard[T]) bool {
	for {
		h := sh.held.Load()
		if h&spareMask == 0 {
			break
		}
		if sh.held.CompareAndSwap(h, h-spareOne) {
			return true
		}
	}
	if n := p.fromGroup(max(p.batch, 1)); n > 0 {
		if n > 1 {
			sh.held.Add(n - 1)
		}
		return true
	}
	p.reclaim()
	return p.fromGroup(1) > 0
}

// fromGroup takes up to n places from the Group and returns how many it
// took.
func (p *places[T]) fromGroup(n uint64) uint64 {
	for {
		t := p.taken.Load()
		k := min(int64(n), p.max-t)
		if k <= 0 {
			return 0
		}
		if p.taken.CompareAndSwap(t, t+k) {
			return uint64(k)
		}
	}
}

// reclaim gives every shard's spare places back to the Group.
func (p *places[T]) reclaim() {
	t := p.table.Load()
	for i := range t {
		sh := &t[i]
		for {
			h := sh.held.Load()
			if h&spareMask == 0 {
				break
			}
			if sh.held.CompareAndSwap(h, h&^spareMask) {
				p.taken.Add(-int64(h & spareMask))
				break
			}
		}
	}
}

// give gives back the place of a flight of sh that ended, or was never
// started, or (kept) of a kept result of sh that expired: sh keeps it as
// a spare, or the Group gets it back.
func (p *places[T]) give(sh *shard[T], kept bool) {
	var less uint64
	if kept {
		less = keptOne
	}
	if p.batch == 0 { // no spare places: the Group gets it back
		if kept {
			sh.held.Add(lessKept)
		}
		p.taken.Add(-1)
		return
	}
	// one add; a shard over its batch sends one place on to the Group
	for h := sh.held.Add(spareOne - less); h&spareMask > p.batch; h = sh.held.Load() {
		if sh.held.CompareAndSwap(h, h-spareOne) {
			p.taken.Add(-1)
			return
		}
	}
}

// keep notes that a flight of sh that ended is kept for reuse: it holds
// its place on.
func (p *places[T]) keep(sh *shard[T]) { sh.held.Add(keptOne) }

// Load returns the kept results << 32 | the open flights. It reads the
// shards one by one, not at one instant: while places move, either figure
// may be off by those on the move, never below 0 nor their sum above
// MaxKeys; once no call runs, both are exact.
func (p *places[T]) Load() uint64 {
	var spare, kept int64
	if t := p.table.Load(); t != nil {
		for i := range t {
			h := t[i].held.Load()
			spare += int64(h & spareMask)
			kept += int64(h >> 32)
		}
	}
	kept = min(kept, p.max)
	open := min(max(p.taken.Load()-spare-kept, 0), p.max-kept)
	return uint64(kept)<<32 | uint64(open)
}
