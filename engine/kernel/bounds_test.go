package kernel_test

import (
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

func TestCheckMailboxSize(t *testing.T) {
	for _, tc := range []struct {
		size int
		ok   bool
	}{
		{0, true}, {1, true}, {kernel.DefaultMailboxSize, true}, {kernel.LargestMailboxSize, true},
		{-1, false}, {kernel.LargestMailboxSize + 1, false}, {1 << 34, false},
	} {
		err := kernel.CheckMailboxSize("p", "MailboxSize", tc.size)
		var ce *messages.ConfigError
		if got := err == nil; got != tc.ok {
			t.Errorf("CheckMailboxSize(%d): got %v, want ok=%v", tc.size, err, tc.ok)
		} else if !tc.ok && (!errors.As(err, &ce) || ce.Field != "MailboxSize" || ce.Value != tc.size) {
			t.Errorf("CheckMailboxSize(%d): got %#v, want a ConfigError naming MailboxSize and %d", tc.size, err, tc.size)
		}
	}
}

// A mailbox size past the maximum is capped, never allocated whole: 1<<34
// messages would be hundreds of GiB.
func TestNewActorCapsHugeMailbox(t *testing.T) {
	eng := newEngine(t)
	a, err := kernel.Spawn(t.Context(), eng, "test", "huge", nil, func() (*kernel.Actor[int, int], kernel.Service, error) {
		a := kernel.NewActor(1<<34, newEcho)
		return a, a, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.Ask(t.Context(), 7); got != 7 || err != nil {
		t.Fatalf("Ask: got %d, %v, want 7, nil", got, err)
	}
}
