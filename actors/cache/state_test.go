package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestEntryAt(t *testing.T) {
	e := &Entry[int]{Fresh: t0.Add(10 * time.Second), Stale: t0.Add(15 * time.Second)}
	neg := &Entry[int]{Err: errors.New("x"), Fresh: t0.Add(time.Second), Stale: t0.Add(time.Second)}
	for _, tc := range []struct {
		e    *Entry[int]
		at   time.Duration
		want Verdict
	}{
		{nil, 0, Missing},
		{e, 0, Fresh},
		{e, 10*time.Second - 1, Fresh},
		{e, 10 * time.Second, Stale},
		{e, 15*time.Second - 1, Stale},
		{e, 15 * time.Second, Missing},
		{neg, 0, Fresh},
		{neg, time.Second, Missing},
	} {
		if got := tc.e.At(t0.Add(tc.at)); got != tc.want {
			t.Errorf("At(+%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestEntryFor(t *testing.T) {
	boom := errors.New("boom")
	other := errors.New("other")
	only := func(err error) bool { return errors.Is(err, boom) }
	for _, tc := range []struct {
		name       string
		cfg        Config
		err        error
		want       bool
		fresh, end time.Duration
	}{
		{"value", Config{TTL: 10 * time.Second, StaleFor: 5 * time.Second}, nil, true, 10 * time.Second, 15 * time.Second},
		{"error, no negative caching", Config{TTL: time.Second}, boom, false, 0, 0},
		{"error cached", Config{TTL: time.Second, NegativeTTL: 3 * time.Second, StaleFor: time.Hour}, boom, true, 3 * time.Second, 3 * time.Second},
		{"error not chosen", Config{TTL: time.Second, NegativeTTL: 3 * time.Second, Negative: only}, other, false, 0, 0},
		{"error chosen", Config{TTL: time.Second, NegativeTTL: 3 * time.Second, Negative: only}, fmt.Errorf("w: %w", boom), true, 3 * time.Second, 3 * time.Second},
		{"refusal", Config{TTL: time.Second, NegativeTTL: time.Second}, messages.ErrBulkheadFull, false, 0, 0},
		{"stopped", Config{TTL: time.Second, NegativeTTL: time.Second}, messages.ErrStopped, false, 0, 0},
		{"canceled", Config{TTL: time.Second, NegativeTTL: time.Second}, context.Canceled, false, 0, 0},
		{"deadline", Config{TTL: time.Second, NegativeTTL: time.Second}, context.DeadlineExceeded, false, 0, 0},
	} {
		e := entryFor(&tc.cfg, 7, tc.err, t0)
		if got := e != nil; got != tc.want {
			t.Errorf("%s: stored %v, want %v", tc.name, got, tc.want)
			continue
		}
		if e == nil {
			continue
		}
		if got, want := e.Fresh, t0.Add(tc.fresh); !got.Equal(want) {
			t.Errorf("%s: Fresh = %v, want %v", tc.name, got, want)
		}
		if got, want := e.Stale, t0.Add(tc.end); !got.Equal(want) {
			t.Errorf("%s: Stale = %v, want %v", tc.name, got, want)
		}
		if !errors.Is(e.Err, tc.err) {
			t.Errorf("%s: Err = %v, want %v", tc.name, e.Err, tc.err)
		}
	}
}
