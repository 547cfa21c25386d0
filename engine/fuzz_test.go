package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// FuzzOptions: a restart budget and a mailbox size are a ConfigError
// exactly when out of their documented ranges; an accepted engine starts
// an actor with that mailbox, answers, and shuts down cleanly.
func FuzzOptions(f *testing.F) {
	f.Add(0, int64(time.Minute), 0)
	f.Add(0, int64(-time.Second), 1)
	f.Add(5, int64(0), 1024)
	f.Add(-1, int64(time.Second), -1)
	f.Add(supervisor.LargestMaxRestarts, int64(supervisor.LargestRestartWindow), kernel.LargestMailboxSize)
	f.Add(3, int64(time.Second), 1<<34)
	f.Fuzz(func(t *testing.T, max int, window int64, mailbox int) {
		w := time.Duration(window)
		validBudget := max >= 0 && max <= supervisor.LargestMaxRestarts &&
			(max == 0 && w >= 0 || w > 0 && w <= supervisor.LargestRestartWindow)
		eng, err := engine.New(engine.WithRestartBudget(max, w))
		var ce *messages.ConfigError
		switch {
		case validBudget && err != nil:
			t.Fatalf("budget %d in %v: got %v, want an engine", max, w, err)
		case !validBudget && !errors.As(err, &ce):
			t.Fatalf("budget %d in %v: got %v, want a ConfigError", max, w, err)
		case !validBudget:
			return
		}
		defer func() {
			if err := eng.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
		}()
		validMailbox := mailbox >= 0 && mailbox <= kernel.LargestMailboxSize
		if err := kernel.CheckMailboxSize("p", "MailboxSize", mailbox); (err == nil) != validMailbox {
			t.Fatalf("CheckMailboxSize(%d): got %v, want ok=%v", mailbox, err, validMailbox)
		}
		a, err := kernel.Spawn(context.Background(), eng, "test", "a", nil, func() (*kernel.Actor[int, int], kernel.Service, error) {
			a := kernel.NewActor(mailbox, newEcho)
			return a, a, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := a.Ask(context.Background(), 7); got != 7 || err != nil {
			t.Fatalf("Ask: got %d, %v", got, err)
		}
	})
}
