package supervisor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// FuzzOptions: Options are a ConfigError exactly when a field is out of its
// documented range; accepted ones start a supervisor that makes a child,
// stops it and leaves nothing.
func FuzzOptions(f *testing.F) {
	f.Add(0, int64(0))
	f.Add(supervisor.NoRestart, int64(time.Minute))
	f.Add(supervisor.LargestMaxRestarts, int64(supervisor.LargestRestartWindow))
	f.Add(supervisor.LargestMaxRestarts+1, int64(time.Second))
	f.Add(3, int64(-1))
	f.Add(3, int64(supervisor.LargestRestartWindow)+1)
	f.Fuzz(func(t *testing.T, maxRestarts int, window int64) {
		opts := supervisor.Options{MaxRestarts: maxRestarts, RestartWindow: time.Duration(window)}
		valid := maxRestarts <= supervisor.LargestMaxRestarts && window >= 0 && window <= int64(supervisor.LargestRestartWindow)
		s, err := supervisor.New(opts)
		var ce *messages.ConfigError
		switch {
		case valid && err != nil:
			t.Fatalf("%+v: got %v, want a supervisor", opts, err)
		case !valid && !errors.As(err, &ce):
			t.Fatalf("%+v: got %v, want a ConfigError", opts, err)
		case !valid:
			if err := opts.Validate(); err == nil {
				t.Fatalf("%+v: New refused it but Validate did not", opts)
			}
			return
		}
		if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "n",
			Start: func() (any, supervisor.Service, error) { return 1, idle{}, nil }}); err != nil {
			t.Fatal(err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
