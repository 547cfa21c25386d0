package grpc

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind names this adapter in its configuration errors.
const Kind = "grpc"

// RetryAfterKey is the metadata key of the wait a refusal carries, in
// whole seconds (rounded up).
const RetryAfterKey = "retry-after"

// Code returns the status code for an error from a Bulwark pattern, and
// false for an error that is none of them (the handler's own):
//
//	ErrRateLimited (decided)                  RESOURCE_EXHAUSTED
//	every other refusal (messages.IsRefusal)  UNAVAILABLE
//	ErrTimeout, context.DeadlineExceeded      DEADLINE_EXCEEDED
//	context.Canceled                          CANCELED
func Code(err error) (codes.Code, bool) {
	switch {
	case err == nil:
		return codes.OK, false
	case errors.Is(err, messages.ErrRateLimited) && !messages.Undecided(err):
		return codes.ResourceExhausted, true
	case messages.IsRefusal(err):
		return codes.Unavailable, true
	case errors.Is(err, messages.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded, true
	case errors.Is(err, context.Canceled):
		return codes.Canceled, true
	}
	return codes.OK, false
}

// Error is a Bulwark error as a gRPC status: GRPCStatus gives the code
// (see Code) and Unwrap the Bulwark error.
type Error struct {
	Err    error
	status *status.Status
}

func (e *Error) Error() string { return e.status.Err().Error() }

// GRPCStatus returns the status the error ends the call with.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// Unwrap returns the Bulwark error.
func (e *Error) Unwrap() error { return e.Err }

// toStatus returns err as the error a gRPC call ends with: a Bulwark error
// as an *Error, anything else unchanged.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		var e *Error
		if !errors.As(err, &e) {
			return err // a status of the handler's or the server's own
		}
	}
	code, ok := Code(err)
	if !ok {
		return err
	}
	msg := err.Error()
	for _, s := range []error{messages.ErrRateLimited, messages.ErrCircuitOpen, messages.ErrBulkheadFull, messages.ErrShed,
		messages.ErrBackpressure, messages.ErrLimitExceeded, messages.ErrStopped, messages.ErrTimeout} {
		if errors.Is(err, s) {
			msg = s.Error() // no internal detail goes over the wire
			break
		}
	}
	return &Error{Err: err, status: status.New(code, msg)}
}

// ErrPushback is the sentinel inside a *Pushback.
var ErrPushback = errors.New("grpc: the server asked to retry later")

// Pushback is a client's error for a call the server refused with a
// "retry-after" wait (a Bulwark server's refusal): GRPCStatus is the
// server's status, and it unwraps to the server's error and to a
// *messages.RejectedError wrapping ErrPushback whose RetryAfter is the
// wait, which a retry policy honours (up to its MaxDelay) when its RetryOn
// retries the call (Retryable does).
type Pushback struct {
	Err        error
	RetryAfter time.Duration
	rej        messages.RejectedError
}

func (p *Pushback) Error() string { return p.Err.Error() }

// GRPCStatus returns the server's status.
func (p *Pushback) GRPCStatus() *status.Status { s, _ := status.FromError(p.Err); return s }

// Unwrap returns the server's error and the rejection with the wait.
func (p *Pushback) Unwrap() []error { return []error{p.Err, &p.rej} }

// pushback returns err as a *Pushback when the trailer md carries a wait.
func pushback(err error, md metadata.MD) error {
	v := md.Get(RetryAfterKey)
	if err == nil || len(v) == 0 {
		return err
	}
	secs, perr := strconv.ParseInt(v[0], 10, 64)
	if perr != nil || secs <= 0 {
		return err
	}
	wait := time.Duration(min(secs, 24*3600)) * time.Second
	return &Pushback{Err: err, RetryAfter: wait, rej: messages.RejectedError{Err: ErrPushback, Pattern: Kind, Reason: "pushback", RetryAfter: wait}}
}

// Classify is the default outcome of a call's error: nil is a success;
// cancellation and Bulwark's refusals are neutral (messages.ClassifyError);
// a status with a code that says the server failed (UNKNOWN,
// DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE, DATA_LOSS) is a failure, any
// other code (the caller's mistake: NOT_FOUND, INVALID_ARGUMENT, ...) a
// success; a plain error is a failure.
func Classify(err error) messages.Outcome {
	var pb *Pushback
	if errors.As(err, &pb) {
		err = pb.Err // judged by the server's code, not as a local refusal
	}
	if o := messages.ClassifyError(err); o != messages.Failure {
		return o
	}
	st, ok := status.FromError(err)
	if !ok {
		return messages.Failure
	}
	switch st.Code() {
	case codes.Unknown, codes.DeadlineExceeded, codes.Internal, codes.Unavailable, codes.DataLoss:
		return messages.Failure
	case codes.Canceled:
		return messages.Ignored
	}
	return messages.Success
}

// Retryable is a retry predicate for a client's Policies.Retry
// (retry.Config.RetryOn): UNAVAILABLE from the server, RESOURCE_EXHAUSTED
// with a "retry-after" (a *Pushback: the retry waits at least that long),
// and the errors retry.DefaultRetryOn retries that are no gRPC status (a
// broken connection); not the caller's cancellation or deadline, not the
// client's own refusals (its open circuit), not any other code.
func Retryable(err error) bool {
	var pb *Pushback
	if errors.As(err, &pb) {
		c := status.Code(pb.Err)
		return c == codes.Unavailable || c == codes.ResourceExhausted
	}
	if !messages.WorthRepeating(err) {
		return false
	}
	if st, ok := status.FromError(err); ok {
		return st.Code() == codes.Unavailable
	}
	return true
}

// retryAfter sends the wait err carries to the client as trailer
// metadata.
func retryAfter(ctx context.Context, err error) {
	wait, ok := messages.RetryAfter(err)
	if !ok || wait <= 0 {
		return
	}
	secs := int64(math.Ceil(min(wait, 24*time.Hour).Seconds()))
	_ = grpc.SetTrailer(ctx, metadata.Pairs(RetryAfterKey, strconv.FormatInt(secs, 10)))
}

// composition builds p's composition with Classify as its default.
func composition(p engine.Policies[any], server bool) (*engine.Composition[any], error) {
	if server && p.Retry != nil {
		return nil, messages.InvalidConfig(Kind, "Policies.Retry", "set", "must be nil on a server: retry in the client")
	}
	if p.Classify == nil {
		p.Classify = Classify
	}
	return engine.Compose(p), nil
}

// UnaryServerInterceptor runs each unary call under p (p.Retry must be
// nil: a *messages.ConfigError).
func UnaryServerInterceptor(p engine.Policies[any]) (grpc.UnaryServerInterceptor, error) {
	c, err := composition(p, true)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := c.Get(ctx, func(ctx context.Context) (any, error) { return handler(ctx, req) })
		if err != nil {
			retryAfter(ctx, err)
			return nil, toStatus(err)
		}
		return resp, nil
	}, nil
}

// StreamServerInterceptor runs each stream's handler under p, which holds
// its permits until the handler returns (p.Retry must be nil).
func StreamServerInterceptor(p engine.Policies[any]) (grpc.StreamServerInterceptor, error) {
	c, err := composition(p, true)
	if err != nil {
		return nil, err
	}
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		_, err := c.Get(ss.Context(), func(ctx context.Context) (any, error) {
			if ctx != ss.Context() {
				ss = &ctxStream{ServerStream: ss, ctx: ctx}
			}
			return nil, handler(srv, ss)
		})
		if err != nil {
			retryAfter(ss.Context(), err)
			return toStatus(err)
		}
		return nil
	}, nil
}

// ctxStream is a server stream whose handler runs under a derived context
// (a timeout stage's).
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }

// UnaryClientInterceptor runs each unary call under p: a retry re-invokes
// the call, a refusal never reaches the network. A server's refusal with
// a "retry-after" is a *Pushback (see Retryable). A fallback's value is
// not used (the reply is an out-parameter): a fallback that returns nil
// makes the call succeed with the reply as it is.
func UnaryClientInterceptor(p engine.Policies[any]) (grpc.UnaryClientInterceptor, error) {
	c, err := composition(p, false)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		_, err := c.Get(ctx, func(ctx context.Context) (any, error) {
			var md metadata.MD
			err := invoker(ctx, method, req, reply, cc, append(opts[:len(opts):len(opts)], grpc.Trailer(&md))...)
			return nil, pushback(err, md)
		})
		return toStatus(err)
	}, nil
}

// StreamClientInterceptor runs the start of each client stream under p: a
// refusal never opens it, a retry re-opens it, a timeout bounds the
// opening; the stream's messages are not judged.
func StreamClientInterceptor(p engine.Policies[any]) (grpc.StreamClientInterceptor, error) {
	c, err := composition(p, false)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		v, err := c.Get(ctx, func(sctx context.Context) (any, error) {
			// The stream lives on after its start: it runs under the
			// caller's context, not a timeout stage's.
			return streamer(ctx, desc, cc, method, opts...)
		})
		if err != nil {
			return nil, toStatus(err)
		}
		return v.(grpc.ClientStream), nil
	}, nil
}
