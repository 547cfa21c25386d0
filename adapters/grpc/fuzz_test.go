package grpc_test

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	bulwarkgrpc "github.com/bulwark-go/bulwark/adapters/grpc"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzCode: every error maps to one code or none, consistently with
// Classify and Retryable: a refusal is UNAVAILABLE or RESOURCE_EXHAUSTED,
// neutral and not retried; a server status is kept as it is.
func FuzzCode(f *testing.F) {
	f.Add(uint8(0), uint8(14), "busy", true)
	f.Add(uint8(3), uint8(5), "", false)
	f.Fuzz(func(t *testing.T, which, code uint8, reason string, wrap bool) {
		errs := []error{messages.ErrRateLimited, messages.ErrCircuitOpen, messages.ErrShed, messages.ErrTimeout,
			messages.ErrStopped, errors.New("plain"), status.Error(codes.Code(code%17), "server")}
		err := errs[int(which)%len(errs)]
		if wrap {
			err = &messages.RejectedError{Err: err, Reason: reason}
		}
		c, ok := bulwarkgrpc.Code(err)
		// A refusal that wraps ErrTimeout is retried (messages.WorthRepeating).
		refusal := messages.IsRefusal(err) && !errors.Is(err, messages.ErrTimeout)
		switch {
		case refusal && (!ok || c != codes.Unavailable && c != codes.ResourceExhausted):
			t.Fatalf("%v: a refusal got %v %v", err, c, ok)
		case refusal && (bulwarkgrpc.Classify(err) != messages.Ignored || bulwarkgrpc.Retryable(err)):
			t.Fatalf("%v: a refusal is %v, retried %v", err, bulwarkgrpc.Classify(err), bulwarkgrpc.Retryable(err))
		case c == codes.ResourceExhausted && messages.Undecided(err):
			t.Fatalf("%v: an undecided limiter got RESOURCE_EXHAUSTED", err)
		}
		if st, isStatus := status.FromError(err); isStatus && !refusal {
			if ok {
				t.Fatalf("%v: a server status got a code of its own", err)
			}
			if bulwarkgrpc.Retryable(err) != (st.Code() == codes.Unavailable) {
				t.Fatalf("%v: retried %v", err, bulwarkgrpc.Retryable(err))
			}
		}
	})
}
