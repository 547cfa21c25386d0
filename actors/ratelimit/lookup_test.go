package ratelimit_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// withProcs runs f with GOMAXPROCS set to n, and sets it back after.
func withProcs(n int, f func()) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	f()
}

// TestNewWithDefaultShardsAfterGOMAXPROCSChanges: a limiter made with
// Shards 0 keeps the count it derived from GOMAXPROCS then: a New of its
// name with Shards 0 returns it, allocating nothing, and a Reconfigure
// with Shards 0 applies, whatever GOMAXPROCS is now (both were a conflict
// on Shards before). A limiter made with an explicit Shards still
// conflicts with the count today's GOMAXPROCS gives.
func TestNewWithDefaultShardsAfterGOMAXPROCSChanges(t *testing.T) {
	eng, _ := newEngine(t, epoch)
	var l *ratelimit.Limiter
	withProcs(4, func() {
		var err error
		if l, err = ratelimit.New(eng, "procs", ratelimit.Config{}); err != nil {
			t.Fatal(err)
		}
	})
	if st := stats(t, l); st.Shards != 4 {
		t.Fatalf("Shards under GOMAXPROCS 4: got %d, want 4", st.Shards)
	}
	withProcs(1, func() {
		if again, err := ratelimit.New(eng, "procs", ratelimit.Config{}); err != nil || again != l {
			t.Fatalf("New with Shards 0 under GOMAXPROCS 1: got %p, %v, want %p", again, err, l)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = ratelimit.New(eng, "procs", ratelimit.Config{}) }); n != 0 {
			t.Errorf("New of the existing limiter under GOMAXPROCS 1: %v allocations, want 0", n)
		}
		if err := l.Reconfigure(context.Background(), ratelimit.Config{MaxKeys: 100}); err != nil {
			t.Fatalf("Reconfigure with Shards 0 under GOMAXPROCS 1: %v", err)
		}
		if again, err := ratelimit.New(eng, "procs", ratelimit.Config{MaxKeys: 100}); err != nil || again != l {
			t.Fatalf("New with the reconfigured config: got %p, %v, want %p", again, err, l)
		}
		if _, err := ratelimit.New(eng, "procs", ratelimit.Config{}); !errors.As(err, new(*supervisor.ConflictError)) {
			t.Fatalf("New with the config before Reconfigure: got %v, want a *supervisor.ConflictError", err)
		}
	})
	withProcs(2, func() {
		explicit, err := ratelimit.New(eng, "explicit", ratelimit.Config{Shards: 4})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ratelimit.New(eng, "explicit", ratelimit.Config{}); !errors.As(err, new(*supervisor.ConflictError)) {
			t.Fatalf("Shards 0 under GOMAXPROCS 2 for a limiter made with 4: got %v, want a *supervisor.ConflictError", err)
		}
		if err := explicit.Reconfigure(context.Background(), ratelimit.Config{}); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Fatalf("Reconfigure with Shards 0 under GOMAXPROCS 2 of a limiter made with 4: got %v, want ErrInvalidConfig", err)
		}
	})
	withProcs(4, func() {
		if again, err := ratelimit.New(eng, "explicit", ratelimit.Config{}); err != nil {
			t.Fatalf("Shards 0 under GOMAXPROCS 4 for a limiter made with 4: got %p, %v", again, err)
		}
	})
}
