package circuitbreaker

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
)

func benchBreaker(b *testing.B, cfg Config) *Breaker {
	eng := newEngine(b, nil)
	return mustNew(b, eng, "bench", cfg)
}

// BenchmarkExecuteClosed is Execute of a no-op in CLOSED state: one atomic
// load to admit, one CAS on a striped success counter (with slow calls
// measured: two clock reads more).
func BenchmarkExecuteClosed(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		br := benchBreaker(b, Config{})
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, okFn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := benchBreaker(b, Config{})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := br.Execute(ctx, okFn); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("serial-opened-subscriber", func(b *testing.B) {
		br := benchBreaker(b, Config{}) // a subscriber wanting no call_success
		if _, err := br.eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitOpened}}, 1); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, okFn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial-timewindow", func(b *testing.B) { // a clock read at Release
		br := benchBreaker(b, Config{OpenAtFailureRate: 0.5, WindowType: TimeBased, WindowDuration: time.Minute})
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, okFn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial-slowcalls", func(b *testing.B) {
		br := benchBreaker(b, Config{OpenAtSlowCallRate: 0.5, SlowCallDuration: 1e9})
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, okFn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkExecuteOpen is a rejection decided from the snapshot.
func BenchmarkExecuteOpen(b *testing.B) {
	ctx := context.Background()
	br := benchBreaker(b, Config{})
	if err := br.ForceOpen(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := br.Execute(ctx, okFn); err == nil {
			b.Fatal("admitted")
		}
	}
}
