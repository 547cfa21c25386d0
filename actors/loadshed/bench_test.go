package loadshed_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func BenchmarkAcquireRelease(b *testing.B) {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	s, err := loadshed.New(eng, "bench", loadshed.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := s.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			s.Release(p, messages.Success)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := s.Acquire(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				s.Release(p, messages.Success)
			}
		})
	})
}

// BenchmarkAcquireReleaseLowSignal is one Low Acquire and Release on a
// shedder with a Signal at LevelNormal: the path that needs the
// utilisation level and reads the Signal.
func BenchmarkAcquireReleaseLowSignal(b *testing.B) {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	s, err := loadshed.New(eng, "bench", loadshed.Config{Signal: &fakeSignal{}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := s.AcquirePriority(ctx, messages.Low)
			if err != nil {
				b.Error(err)
				return
			}
			s.Release(p, messages.Success)
		}
	})
}
