package coalesce_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// spareKeys is a MaxKeys large enough that the shards keep spare places
// (one each): the places of a Group are then spread over its shards.
const spareKeys = 512

// With every place held, a new key is refused; once one flight ended, its
// place, kept spare by its own shard, serves a new key of any shard; and
// when all is done, nothing is in flight.
func TestMaxKeysSparePlacesServeAnyShard(t *testing.T) {
	g := newGroup(t, nil, coalesce.Config{MaxKeys: spareKeys})
	release := make([]chan struct{}, spareKeys)
	done := make([]<-chan call, spareKeys)
	for i := range spareKeys {
		release[i] = make(chan struct{})
		done[i] = async(context.Background(), g, "held-"+strconv.Itoa(i), func(context.Context) (int, error) {
			<-release[i]
			return i, nil
		})
	}
	waitInFlight(t, g, spareKeys)
	if _, err := g.Do(context.Background(), "one-more", one); !errors.Is(err, coalesce.ErrTooManyKeys) {
		t.Fatalf("with %d keys in flight: got %v, want ErrTooManyKeys", spareKeys, err)
	}
	close(release[0])
	wait(t, done[0])
	for i := range 16 { // most of them hash to other shards than held-0
		if _, err := g.Do(context.Background(), "new-"+strconv.Itoa(i), one); err != nil {
			t.Fatalf("new key %d with one place free: %v", i, err)
		}
	}
	for i := 1; i < spareKeys; i++ {
		close(release[i])
		wait(t, done[i])
	}
	if g.InFlight() != 0 || g.Kept() != 0 {
		t.Fatalf("after every call: %d in flight, %d kept; want none", g.InFlight(), g.Kept())
	}
	for i := range spareKeys { // every place is back
		release[i] = make(chan struct{})
		done[i] = async(context.Background(), g, "again-"+strconv.Itoa(i), func(context.Context) (int, error) {
			<-release[i]
			return i, nil
		})
	}
	waitInFlight(t, g, spareKeys)
	for i := range spareKeys {
		close(release[i])
		wait(t, done[i])
	}
}

// Kept results hold their places, spread over the shards, until ReuseFor
// has passed; then every place serves new keys again.
func TestReuseForSparePlaces(t *testing.T) {
	eng, clock := enginetest.StartFake(t, enginetest.Epoch)
	g := newGroup(t, eng, coalesce.Config{MaxKeys: spareKeys, ReuseFor: time.Second})
	for i := range spareKeys {
		if _, err := g.Do(context.Background(), "kept-"+strconv.Itoa(i), one); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	if g.Kept() != spareKeys || g.InFlight() != 0 {
		t.Fatalf("got %d kept, %d in flight; want %d, 0", g.Kept(), g.InFlight(), spareKeys)
	}
	if _, err := g.Do(context.Background(), "new", one); !errors.Is(err, coalesce.ErrTooManyKeys) {
		t.Fatalf("every place kept: got %v, want ErrTooManyKeys", err)
	}
	clock.Advance(time.Second)
	if g.Kept() != 0 || g.InFlight() != 0 {
		t.Fatalf("after ReuseFor: %d kept, %d in flight; want none", g.Kept(), g.InFlight())
	}
	for i := range spareKeys {
		if _, err := g.Do(context.Background(), "next-"+strconv.Itoa(i), one); err != nil {
			t.Fatalf("after ReuseFor, key %d: %v", i, err)
		}
	}
}

func one(context.Context) (int, error) { return 1, nil }

func waitInFlight(t *testing.T, g *coalesce.Group[int], n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); g.InFlight() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d in flight, want %d", g.InFlight(), n)
		}
	}
}
