package kernel_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// Terminate closes Done, for a waiter that came before it and for one
// that comes after, and Err says why: the cause given (which Ask and
// Tell return too), or messages.ErrStopped for none.
func TestTerminateClosesDoneAndKeepsItsCause(t *testing.T) {
	failed := fmt.Errorf("%w: failed after 5 restarts", messages.ErrStopped)
	for _, tt := range []struct {
		name   string
		cause  error
		want   error
		waited bool // Done was asked for before Terminate
	}{
		{"a cause, waited on", failed, failed, true},
		{"a cause, not waited on", failed, failed, false},
		{"no cause, waited on", nil, messages.ErrStopped, true},
		{"ErrStopped, not waited on", messages.ErrStopped, messages.ErrStopped, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := kernel.NewActor(0, func() kernel.Behavior[int, int] { return nil })
			if err := a.Err(); err != nil {
				t.Fatalf("Err before Terminate: %v, want nil", err)
			}
			var before <-chan struct{}
			if tt.waited {
				before = a.Done()
			}
			a.Terminate(tt.cause)
			a.Terminate(errors.New("a second cause")) // ignored
			if tt.waited {
				<-before
			}
			<-a.Done()
			if err := a.Err(); err != tt.want {
				t.Fatalf("Err: %v, want %v", err, tt.want)
			}
			if err := a.Tell(1); err != tt.want {
				t.Fatalf("Tell: %v, want %v", err, tt.want)
			}
		})
	}
}
