package fallback_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: a chain of n fallbacks (some nil, failing where bit i of
// fails is set) is a ConfigError exactly when Validate says so (none, more
// than LongestChain, a nil one); otherwise a failing primary is answered by the
// first fallback that succeeds, each fallback before it tried once, and
// the call fails with a *FailedError when every one fails.
func FuzzConfig(f *testing.F) {
	f.Add(uint8(1), uint64(0), uint64(0))
	f.Add(uint8(0), uint64(0), uint64(0))
	f.Add(uint8(3), uint64(0b011), uint64(0))
	f.Add(uint8(3), uint64(0b111), uint64(0))
	f.Add(uint8(64), ^uint64(0), uint64(0))
	f.Add(uint8(65), uint64(0), uint64(0))
	f.Add(uint8(5), uint64(0), uint64(0b100))
	f.Fuzz(func(t *testing.T, n uint8, fails, nils uint64) {
		var calls [256]int
		chain := make([]fallback.Func[int], n)
		for i := range chain {
			if i < 64 && nils&(1<<i) != 0 {
				continue
			}
			fail := i < 64 && fails&(1<<i) != 0
			chain[i] = func(context.Context, error) (int, error) {
				calls[i]++
				if fail {
					return 0, errors.New("fallback failed")
				}
				return i + 1, nil
			}
		}
		cfg := fallback.Config[int]{Chain: chain}
		verr := cfg.Validate()
		fb, err := fallback.New(nil, "fuzz", cfg)
		if (verr == nil) != (err == nil) {
			t.Fatalf("n=%d nils=%b: Validate %v, New %v", n, nils, verr, err)
		}
		if err != nil {
			if !errors.Is(err, messages.ErrInvalidConfig) {
				t.Fatalf("n=%d: New error %v is not a ConfigError", n, err)
			}
			return
		}
		v, err := fb.Do(context.Background(), func(context.Context) (int, error) { return 0, errors.New("primary") })
		first := -1
		for i := 0; i < int(n); i++ {
			if i >= 64 || fails&(1<<i) == 0 {
				first = i
				break
			}
		}
		for i := 0; i < int(n); i++ {
			want := 0
			if first < 0 || i <= first {
				want = 1
			}
			if calls[i] != want {
				t.Fatalf("n=%d fails=%b: fallback %d ran %d times, want %d", n, fails, i, calls[i], want)
			}
		}
		var failed *fallback.FailedError
		switch {
		case first >= 0 && (err != nil || v != first+1):
			t.Fatalf("n=%d fails=%b: got %d, %v; want %d, nil", n, fails, v, err, first+1)
		case first < 0 && !errors.As(err, &failed):
			t.Fatalf("n=%d fails=%b: got %d, %v; want a *FailedError", n, fails, v, err)
		}
	})
}
