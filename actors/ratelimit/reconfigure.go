package ratelimit

import (
	"context"
	"fmt"
	"runtime"
	"strconv"

	"github.com/bulwark-go/bulwark/actors/internal/reconf"
	"github.com/bulwark-go/bulwark/messages"
)

// reconfigure asks a shard's owner to apply cfg (defaulted and checked
// against the running limiter). The message to shard 0 carries the Limiter:
// its owner applies cfg to itself and then to every other shard, one after
// the other, records it and answers, so that two Reconfigures never
// interleave.
type reconfigure struct {
	l   *Limiter // set only on the message to shard 0
	cfg Config
	i   int // the shard's index, for its share of MaxKeys
}

func (reconfigure) isRequest() {}

// Reconfigure applies cfg to the running limiter, between the decisions
// its shard actors take. cfg is defaulted and validated as New does it
// (the same *messages.ConfigError). What may change:
//
//   - MaxKeys: each shard's share is recomputed. A larger cap (or none)
//     takes effect at once. A smaller one first forgets every key that is
//     idle (holds nothing a fresh key would not); a key still limited is
//     never forgotten for it, so a shard may hold more keys than its new
//     share until they go idle, and it refuses every new key
//     (ReasonKeyLimit) until it is under its share.
//   - SweepInterval: each shard's sweep timer is re-armed with the new
//     interval from the moment it applies it.
//   - Algorithm: every key starts fresh, as a new key would, with a full
//     burst (a GCRA word and a window's counts do not translate into each
//     other): in an interval around the change a key may be granted what
//     it was granted under the old algorithm plus the new one's burst and
//     rate. A Wait that reserved its permit before the change returns at
//     its booked time, on top of the fresh limit. A rate the sliding window
//     cannot hold is a *RateError from then on.
//
// Otherwise every key keeps its word: a Reconfigure changes no rate (rates
// are the callers', per call), so every limit holds across it exactly as
// if no Reconfigure had happened, and a pending Wait keeps its reservation
// and returns at its booked time. Shards cannot change while running (keys
// are placed by hash): a different count is a *messages.ConfigError naming
// Shards, or, with Shards 0, naming MaxKeys when a MaxKeys below the
// running shard count would make New derive fewer.
//
// When Reconfigure returns nil every shard has applied cfg, the engine's
// registry holds it (a New of this name compares against it from then on)
// and an eventstream.EventConfigChanged event named the fields that
// changed. A cfg equal to the current one changes nothing and publishes
// nothing. A panic in a shard restarts it with the config it last applied.
// If ctx ends first Reconfigure returns ctx.Err(), and cfg may have been
// applied (the shards apply a request they have taken); after Shutdown it
// returns messages.ErrStopped.
func (l *Limiter) Reconfigure(ctx context.Context, cfg Config) error {
	full, err := l.reconfigurable(cfg)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = l.shards[0].Load().actor.Ask(ctx, reconfigure{l: l, cfg: full})
	return err
}

// reconfigurable returns cfg defaulted, or the *messages.ConfigError of a
// field that is out of its bounds or cannot change while running.
func (l *Limiter) reconfigurable(cfg Config) (Config, error) {
	procs := l.procs
	if procs == 0 {
		procs = runtime.GOMAXPROCS(0)
	}
	full, err := cfg.defaultsFor(procs)
	if err != nil {
		return Config{}, err
	}
	n := len(l.shards)
	if full.Shards != n {
		if cfg.Shards == 0 && cfg.MaxKeys > 0 && cfg.MaxKeys < n {
			return Config{}, messages.InvalidConfig(Kind, "MaxKeys", cfg.MaxKeys,
				"must be at least the limiter's "+strconv.Itoa(n)+" shards while running (the shard count cannot change)")
		}
		return Config{}, messages.InvalidConfig(Kind, "Shards", cfg.Shards,
			fmt.Sprintf("cannot change while running (the limiter has %d shards)", n))
	}
	return full, nil
}

// algorithm is the algorithm of the limiter's shards (of the last
// Reconfigure that returned).
func (l *Limiter) algorithm() Algorithm { return Algorithm(l.alg.Load()) }

// reconfigure handles m in the shard's owner. On shard 0 (m.l set) it
// applies m.cfg to every shard, records it and answers; on the others it
// applies m.cfg to this shard.
func (o *owner) reconfigure(m reconfigure) error {
	s := o.s
	if m.l == nil {
		o.apply(m.cfg, m.i)
		return nil
	}
	prev := *s.cfg
	if m.cfg == prev {
		return nil
	}
	o.apply(m.cfg, 0)
	l := m.l
	for i := range l.shards[1:] {
		t := l.shards[i+1].Load()
		if t == unstarted { // it starts under the config in force (see startShard)
			continue
		}
		// Shard i+1 never asks shard 0 anything, so this cannot deadlock;
		// it fails only when the engine stops.
		if _, err := t.actor.Ask(context.Background(), reconfigure{cfg: m.cfg, i: i + 1}); err != nil {
			return err
		}
		_ = l.eng.Supervisor().SetConfig(ShardKind, l.name+"/"+strconv.Itoa(i+1), m.cfg)
	}
	l.alg.Store(uint32(m.cfg.Algorithm))
	l.cfg.Store(s.cfg)
	reconf.Record(l.eng, Kind, l.name, prev, m.cfg)
	return nil
}

// apply makes cfg shard i's config. A new Algorithm forgets every key; a
// smaller share of MaxKeys forgets the idle keys at once; nothing else
// changes a key's word (see Reconfigure).
func (o *owner) apply(cfg Config, i int) {
	s := o.s
	if cfg.Algorithm != s.alg {
		s.alg = cfg.Algorithm
		s.forgetAll()
	}
	if cfg.SweepInterval != s.every {
		s.every = cfg.SweepInterval
		o.timer.Reset(s.every)
	}
	s.maxKeys = cfg.shardKeys(i)
	if s.maxKeys > 0 && s.count > s.maxKeys {
		s.sweepAt(s.now(), false)
	}
	s.cfg = &cfg
}

// forgetAll drops every cell, busy or not (the algorithm changed): callers
// find the new, empty table, or the old cells dead, and ask the owner, who
// makes cells of the new algorithm. A caller that decided on an old cell
// before it died was decided under the old algorithm.
func (s *shard) forgetAll() {
	old := s.tab.Load()
	s.tab.Store(newTable(minTableSize))
	for i := range old.slots {
		c := old.slots[i].Load()
		if c == nil {
			continue
		}
		for w := c.word.Load(); w != dead && !c.word.CompareAndSwap(w, dead); w = c.word.Load() {
		}
	}
	s.count, s.nextIdle, s.pass = 0, 0, sweepPass{}
}
