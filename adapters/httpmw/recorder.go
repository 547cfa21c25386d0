package httpmw

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
)

// recorder is the writer a guarded handler gets: it passes everything on
// to the writer it wraps and remembers what the outcome depends on — the
// final status, whether the connection broke or the server timed out under
// a write, whether an inner Bulwark guard refused the request. It serves
// one request, in the handler's goroutine.
//
// It is an http.Flusher (with FlushError), an http.Hijacker and has
// Unwrap, so http.ResponseController, streaming and upgrades work through
// it; each reaches the wrapped writer through its own Unwrap chain, and
// reports http.ErrNotSupported when nothing there can.
type recorder struct {
	http.ResponseWriter
	code     int
	gone     bool  // a write or flush failed: the client's connection broke
	timedOut bool  // a write returned http.ErrHandlerTimeout
	refusal  error // a Bulwark refusal written inside, if any
}

// WriteHeader records the first final status: informational codes other
// than 101 Switching Protocols (103 Early Hints, say) are not final.
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.note(err)
	return n, err
}

// FlushError flushes the writer it wraps (through its Unwrap chain) and
// returns its error.
func (r *recorder) FlushError() error {
	err := http.NewResponseController(r.ResponseWriter).Flush()
	if err == nil && r.code == 0 {
		r.code = http.StatusOK
	}
	r.note(err)
	return err
}

// Flush is FlushError without the error, for http.Flusher.
func (r *recorder) Flush() { _ = r.FlushError() }

// Hijack takes over the connection of the writer it wraps (through its
// Unwrap chain). A hijacked request's status is 101 unless the handler
// wrote one before.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil && r.code == 0 {
		r.code = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// note remembers what a write's or flush's error says about the request.
func (r *recorder) note(err error) {
	switch {
	case err == nil, errors.Is(err, http.ErrNotSupported),
		errors.Is(err, http.ErrBodyNotAllowed), errors.Is(err, http.ErrContentLength),
		errors.Is(err, http.ErrHijacked):
		// the handler's own mistake, or nothing to flush: not the client
	case errors.Is(err, http.ErrHandlerTimeout):
		r.timedOut = true
	default:
		r.gone = true
	}
}

// clientGone reports whether the client went away: the request's context
// was cancelled (not timed out) or its connection broke under a write.
func (r *recorder) clientGone(ctx context.Context) bool {
	return r.gone || errors.Is(ctx.Err(), context.Canceled)
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// markRefusal tells every guard's recorder along w's Unwrap chain that the
// response w is about to carry is Bulwark's refusal err.
func markRefusal(w http.ResponseWriter, err error) {
	for w != nil {
		if rec, ok := w.(*recorder); ok && rec.refusal == nil {
			rec.refusal = err
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}
