package httpmw

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// LargestTimeout is the longest Timeout.
const LargestTimeout = 24 * time.Hour

// Timeout returns middleware that gives each request d. At the deadline
// the handler's context ends (context.DeadlineExceeded), and if the handler
// has written nothing yet the client gets WriteError's 504 at once (as
// messages.ErrTimeout), even if the handler has not returned; the
// handler's later writes are dropped (they return http.ErrHandlerTimeout)
// and never race the 504. A handler that has begun its response (a
// stream) keeps it: only its context ends. Unlike http.TimeoutHandler it
// does not buffer the response, so streaming, Flush and Hijack work
// through it.
//
// d must be positive and at most LargestTimeout (a *messages.ConfigError).
// Around a Guard, the 504 is the guard's outcome like any status: a server
// timeout is a failure.
func Timeout(d time.Duration) (func(http.Handler) http.Handler, error) {
	if d <= 0 || d > LargestTimeout {
		return nil, messages.InvalidConfig(Kind, "Timeout", d, "must be positive and at most 24h")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			tw := &timeoutWriter{w: w}
			stop := context.AfterFunc(ctx, func() {
				if ctx.Err() == context.DeadlineExceeded {
					tw.expire()
				}
			})
			defer func() {
				stop()
				tw.finish()
			}()
			next.ServeHTTP(tw, r.WithContext(ctx))
		})
	}, nil
}

// timeoutWriter passes a handler's writes on until the deadline; its lock
// orders them against the 504 written from the timer's goroutine. The
// handler sets headers in a map of its own, copied to the wrapped writer's
// when the response begins, so the 504 never races a handler's header
// change. It serves one request; it is no pattern state.
type timeoutWriter struct {
	w       http.ResponseWriter
	h       http.Header // the handler's headers; only its goroutine uses them
	mu      sync.Mutex
	wrote   bool // the handler has begun its response
	expired bool // the 504 was written: the handler's writes are dropped
	done    bool // the handler returned: nothing more may be written
}

// expire writes the 504 if the handler has written nothing.
func (tw *timeoutWriter) expire() {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.wrote || tw.done {
		return
	}
	tw.expired = true
	WriteError(tw.w, messages.ErrTimeout)
	_ = http.NewResponseController(tw.w).Flush()
}

// finish ends the handler's turn: its trailers (or, if it wrote nothing,
// its headers) go to the wrapped writer.
func (tw *timeoutWriter) finish() {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.finishLocked()
}

// finishLocked is finish with tw.mu held.
func (tw *timeoutWriter) finishLocked() {
	tw.done = true
	if !tw.expired {
		copyHeader(tw.w.Header(), tw.h)
	}
}

// begin starts the handler's response (tw.mu held): its headers go out.
func (tw *timeoutWriter) begin() {
	if !tw.wrote {
		tw.wrote = true
		copyHeader(tw.w.Header(), tw.h)
	}
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// Header is the handler's own header map.
func (tw *timeoutWriter) Header() http.Header {
	if tw.h == nil {
		tw.h = http.Header{}
	}
	return tw.h
}

func (tw *timeoutWriter) WriteHeader(code int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.expired {
		return
	}
	if code < 100 || code > 199 || code == http.StatusSwitchingProtocols {
		tw.begin()
	} else {
		copyHeader(tw.w.Header(), tw.h) // an informational response's headers
	}
	tw.w.WriteHeader(code)
}

func (tw *timeoutWriter) Write(b []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.expired {
		return 0, http.ErrHandlerTimeout
	}
	tw.begin()
	return tw.w.Write(b)
}

// FlushError flushes the wrapped writer, or returns http.ErrHandlerTimeout
// after the deadline's 504.
func (tw *timeoutWriter) FlushError() error {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.expired {
		return http.ErrHandlerTimeout
	}
	tw.begin()
	return http.NewResponseController(tw.w).Flush()
}

// Flush is FlushError without the error.
func (tw *timeoutWriter) Flush() { _ = tw.FlushError() }

// Hijack takes the connection over (the deadline then writes nothing), or
// returns http.ErrHandlerTimeout after the deadline's 504.
func (tw *timeoutWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.expired {
		return nil, nil, http.ErrHandlerTimeout
	}
	conn, rw, err := http.NewResponseController(tw.w).Hijack()
	if err == nil {
		tw.wrote = true
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the wrapped writer for what
// timeoutWriter does not do itself (deadlines, full duplex); writes made
// through it bypass the timeout.
func (tw *timeoutWriter) Unwrap() http.ResponseWriter { return tw.w }
