package ratelimit

import "math"

// sweepChunk is how many slots a periodic sweep visits per message, so
// that a shard holding a million keys still answers a new key's round trip
// within microseconds while it sweeps.
const sweepChunk = 4096

// sweepPass is the periodic sweep under way in a shard: the table it walks
// and where it is. The owner alone reads and writes it.
type sweepPass struct {
	on    bool
	tab   *table
	pos   uint64
	least int64 // least idle time of the cells kept (and made) so far
}

// sweepStep visits up to n slots of the periodic sweep, starting a new pass
// if start and none is under way. It evicts with grace (see sweepSlots).
// Unless the pass is done it posts itself a sweepMore, behind whatever
// callers have queued meanwhile; if the mailbox is full, the next tick goes
// on with it.
func (s *shard) sweepStep(n int, start bool) {
	t := s.tab.Load()
	if !s.pass.on {
		if !start {
			return
		}
		s.pass = sweepPass{on: true, tab: t, least: math.MaxInt64}
	}
	if s.pass.tab != t { // grown or shrunk meanwhile: start the walk over
		s.pass.tab, s.pass.pos = t, 0
	}
	end := min(s.pass.pos+uint64(n), uint64(len(t.slots)))
	if n == math.MaxInt {
		end = uint64(len(t.slots))
	}
	least := s.sweepSlots(t, s.pass.pos, end, s.now(), true)
	s.pass.least = min(s.pass.least, least)
	s.pass.pos = end
	if end < uint64(len(t.slots)) {
		s.actor.TryTell(sweepMore{})
		return
	}
	s.nextIdle = s.pass.least
	s.pass = sweepPass{} // drops the table it walked: it may be replaced
	s.shrink()
}

// sweepAt sweeps the whole table at once (before the table grows, and for
// the key cap) and records when the next cell goes idle. It ends any
// periodic pass under way, whose work it has done.
func (s *shard) sweepAt(now int64, grace bool) {
	t := s.tab.Load()
	s.nextIdle = s.sweepSlots(t, 0, uint64(len(t.slots)), now, grace)
	s.pass = sweepPass{}
}

// sweepSlots evicts every idle cell in slots [i, end) of t and returns the
// least idle time of the cells it kept. Eviction is one CompareAndSwap of
// the word to dead, so a caller deciding at the same moment either wins —
// the cell is busy again and stays — or finds it dead and asks the owner
// again. With grace, a GCRA cell is kept one more Period after it went
// idle, so that a key used steadily below its rate is not dropped and
// re-created (a round trip) between uses; the key cap sweeps without grace.
func (s *shard) sweepSlots(t *table, i, end uint64, now int64, grace bool) int64 {
	least := int64(math.MaxInt64)
	for i < end {
		c := t.slots[i].Load()
		if c == nil {
			i++
			continue
		}
		old := c.word.Load()
		idle := c.idleAt(old, now)
		evict := idle
		if grace && !c.window() {
			evict += min(int64(c.rate.Period), math.MaxInt64-evict)
		}
		if evict <= now && c.word.CompareAndSwap(old, dead) {
			t.remove(i) // shifts a later cell into i: look at i again
			s.count--
			continue
		}
		least = min(least, idle) // <= now: kept by grace, evictable at once
		i++
	}
	return least
}

// shrink replaces a mostly empty table by a smaller one, and an empty one
// by emptyTable, so that memory follows the number of live keys down as
// well as up.
func (s *shard) shrink() {
	t := s.tab.Load()
	if s.count == 0 && t != emptyTable {
		s.tab.Store(emptyTable)
		return
	}
	if len(t.slots) <= minTableSize || s.count*8 >= len(t.slots) {
		return
	}
	size := minTableSize
	for size*3 < s.count*4*2 { // keep it at most 3/8 full
		size <<= 1
	}
	s.tab.Store(t.resized(size))
}
