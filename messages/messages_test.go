package messages_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

func TestRejectedErrorUnwrapsToSentinel(t *testing.T) {
	err := fmt.Errorf("calling payments: %w", &messages.RejectedError{
		Err: messages.ErrCircuitOpen, Pattern: "circuitbreaker", Name: "payments", Reason: "open", RetryAfter: 3 * time.Second,
	})
	if !errors.Is(err, messages.ErrCircuitOpen) {
		t.Fatal("errors.Is(ErrCircuitOpen) failed")
	}
	if errors.Is(err, messages.ErrBulkheadFull) {
		t.Fatal("matched the wrong sentinel")
	}
	d, ok := messages.RetryAfter(err)
	if !ok || d != 3*time.Second {
		t.Fatalf("RetryAfter: got %v, %v", d, ok)
	}
	want := `calling payments: bulwark: circuit open (circuitbreaker "payments", reason open, retry after 3s)`
	if err.Error() != want {
		t.Fatalf("got %q, want %q", err.Error(), want)
	}
	if _, ok := messages.RetryAfter(errors.New("plain")); ok {
		t.Fatal("RetryAfter of a plain error")
	}
}

func TestConfigErrorNamesFieldAndValue(t *testing.T) {
	err := messages.InvalidConfig("bulkhead", "MaxConcurrent", -1, "must be at least 1")
	if !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatal("does not unwrap to ErrInvalidConfig")
	}
	if want := "bulkhead: invalid MaxConcurrent -1: must be at least 1"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

func TestPriorities(t *testing.T) {
	for _, p := range []messages.Priority{messages.Low, messages.Normal, messages.High, messages.Critical} {
		got, err := messages.ParsePriority(p.String())
		if err != nil || got != p {
			t.Fatalf("ParsePriority(%q): got %v, %v", p.String(), got, err)
		}
	}
	if !(messages.Low < messages.Normal && messages.Normal < messages.High && messages.High < messages.Critical) {
		t.Fatal("priorities out of order")
	}
	var zero messages.Priority
	if zero != messages.Normal {
		t.Fatalf("zero priority: got %v, want normal", zero)
	}
	if p, err := messages.ParsePriority(""); err != nil || p != messages.Normal {
		t.Fatalf("empty priority: got %v, %v", p, err)
	}
	if _, err := messages.ParsePriority("urgent"); err == nil || err.Error() != `bulwark: unknown priority "urgent" (want low, normal, high or critical)` {
		t.Fatalf("bad priority: got %v", err)
	}
}

func TestClassifyError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want messages.Outcome
	}{
		{nil, messages.Success},
		{errors.New("boom"), messages.Failure},
		{context.Canceled, messages.Ignored},
		{fmt.Errorf("wrapped: %w", context.Canceled), messages.Ignored},
		{context.DeadlineExceeded, messages.Failure},
		{messages.ErrTimeout, messages.Failure},
		{messages.ErrBulkheadFull, messages.Ignored},
		{fmt.Errorf("inner: %w", &messages.RejectedError{Err: messages.ErrShed, Pattern: "loadshed"}), messages.Ignored},
		{messages.ErrCircuitOpen, messages.Ignored},
		{messages.ErrRateLimited, messages.Ignored},
		{messages.ErrBackpressure, messages.Ignored},
		{messages.ErrLimitExceeded, messages.Ignored},
		{messages.ErrStopped, messages.Ignored},
	} {
		if got := messages.ClassifyError(tc.err); got != tc.want {
			t.Errorf("ClassifyError(%v): got %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestIsRefusal(t *testing.T) {
	for _, err := range []error{messages.ErrCircuitOpen, messages.ErrRateLimited, messages.ErrBulkheadFull,
		messages.ErrShed, messages.ErrBackpressure, messages.ErrLimitExceeded, messages.ErrStopped,
		fmt.Errorf("x: %w", &messages.RejectedError{Err: messages.ErrBulkheadFull})} {
		if !messages.IsRefusal(err) {
			t.Errorf("IsRefusal(%v): got false, want true", err)
		}
	}
	for _, err := range []error{nil, errors.New("boom"), messages.ErrTimeout, context.Canceled,
		context.DeadlineExceeded, messages.ErrRetriesExhausted, messages.ErrInvalidConfig} {
		if messages.IsRefusal(err) {
			t.Errorf("IsRefusal(%v): got true, want false", err)
		}
	}
}

// One TimeoutError for every time limit: it matches ErrTimeout and
// context.DeadlineExceeded, keeps the call's own error when set, and says
// what fired.
func TestTimeoutError(t *testing.T) {
	own := errors.New("own")
	for _, tc := range []struct {
		err  *messages.TimeoutError
		want string
	}{
		{&messages.TimeoutError{Pattern: "timeout", Name: "db", Limit: time.Second, Reason: messages.ReasonAbandoned},
			`timeout "db": operation exceeded timeout of 1s (abandoned)`},
		{&messages.TimeoutError{Pattern: "deadline", Name: "req", Limit: 2 * time.Second, Reason: messages.ReasonCancelled},
			`deadline "req": operation exceeded deadline (2s left, cancelled)`},
		{&messages.TimeoutError{Pattern: "deadline", Name: "req", Reason: messages.ReasonExpired},
			`deadline "req": deadline already expired`},
		{&messages.TimeoutError{Pattern: "circuitbreaker", Name: "x", Limit: time.Second, Reason: messages.ReasonCancelled, Err: own},
			`circuitbreaker "x": operation exceeded timeout of 1s (cancelled)`},
	} {
		var err error = fmt.Errorf("wrapped: %w", tc.err)
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
		var te *messages.TimeoutError
		if !errors.Is(err, messages.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) || te != tc.err {
			t.Errorf("%v: does not unwrap to ErrTimeout, DeadlineExceeded and itself", err)
		}
		if errors.Is(err, own) != (tc.err.Err != nil) {
			t.Errorf("%v: errors.Is(own) = %v, want %v", err, errors.Is(err, own), tc.err.Err != nil)
		}
		if got := messages.ClassifyError(err); got != messages.Failure {
			t.Errorf("ClassifyError(%v): got %v, want failure", err, got)
		}
	}
}
