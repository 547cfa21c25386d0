package httpmw_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeGuard admits while reject is nil and records every release.
type fakeGuard struct {
	reject   error
	acquired int
	released []messages.Outcome
}

func (g *fakeGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	if g.reject != nil {
		return engine.Permit{}, g.reject
	}
	g.acquired++
	return engine.Permit{Token: uint64(g.acquired)}, nil
}

func (g *fakeGuard) Release(p engine.Permit, o messages.Outcome) { g.released = append(g.released, o) }

var _ engine.Guard = (*fakeGuard)(nil)

func serve(h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

func TestOutcomesFollowStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   messages.Outcome
	}{
		{200, messages.Success}, {404, messages.Success}, {500, messages.Failure}, {503, messages.Failure},
	} {
		g := &fakeGuard{}
		h := httpmw.Guard(g, httpmw.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
		}))
		if got := serve(h, "/api").Code; got != tc.status {
			t.Fatalf("status passed through: got %d, want %d", got, tc.status)
		}
		if len(g.released) != 1 || g.released[0] != tc.want {
			t.Fatalf("status %d: released %v, want [%v]", tc.status, g.released, tc.want)
		}
	}
}

func TestRejectionsGetStatusRetryAfterAndJSON(t *testing.T) {
	for _, tc := range []struct {
		err        error
		code       int
		retryAfter string
	}{
		{&messages.RejectedError{Err: messages.ErrCircuitOpen, Pattern: "circuitbreaker", Name: "db", Reason: "open", RetryAfter: 1500 * time.Millisecond}, 503, "2"},
		{&messages.RejectedError{Err: messages.ErrRateLimited, Pattern: "ratelimit", Name: "api", RetryAfter: 250 * time.Millisecond}, 429, "1"},
		{&messages.RejectedError{Err: messages.ErrBulkheadFull, Pattern: "bulkhead", Name: "db", Reason: "queue_full"}, 503, "1"},
		{&messages.RejectedError{Err: messages.ErrShed, Pattern: "loadshed", Name: "s"}, 503, "1"},
		{&messages.RejectedError{Err: messages.ErrBackpressure, Pattern: "backpressure", Name: "q"}, 503, "1"},
		{&messages.RejectedError{Err: messages.ErrLimitExceeded, Pattern: "adaptive", Name: "a"}, 503, "1"},
		{fmt.Errorf("calling: %w", messages.ErrTimeout), 504, ""},
		{messages.ErrStopped, 503, "1"},
		{errors.New("secret internal detail"), 500, ""},
	} {
		g := &fakeGuard{reject: tc.err}
		called := false
		h := httpmw.Guard(g, httpmw.Options{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
		w := serve(h, "/api")
		if called || len(g.released) != 0 {
			t.Fatalf("%v: the handler ran or a permit was released", tc.err)
		}
		if w.Code != tc.code || w.Header().Get("Retry-After") != tc.retryAfter {
			t.Fatalf("%v: got %d Retry-After %q, want %d %q", tc.err, w.Code, w.Header().Get("Retry-After"), tc.code, tc.retryAfter)
		}
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: body %q is not JSON: %v", tc.err, w.Body.String(), err)
		}
		var rej *messages.RejectedError
		if errors.As(tc.err, &rej) && (body["pattern"] != rej.Pattern || body["name"] != rej.Name) {
			t.Fatalf("%v: body %v does not name the pattern", tc.err, body)
		}
		if body["error"] == "secret internal detail" {
			t.Fatal("an internal error's text leaked into the body")
		}
	}
}

func TestPanicReleasesAsFailure(t *testing.T) {
	g := &fakeGuard{}
	h := httpmw.Guard(g, httpmw.Options{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("handler bug") }))
	func() {
		defer func() {
			if recover() != "handler bug" {
				t.Fatal("the panic did not go on")
			}
		}()
		serve(h, "/api")
	}()
	if len(g.released) != 1 || g.released[0] != messages.Failure {
		t.Fatalf("released %v, want [failure]", g.released)
	}
}

func TestExcludedPathsBypassTheGuard(t *testing.T) {
	g := &fakeGuard{reject: messages.ErrCircuitOpen}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	if got := serve(httpmw.Guard(g, httpmw.Options{})(ok), "/healthz").Code; got != 204 {
		t.Fatalf("/healthz while open: got %d, want 204", got)
	}
	if got := serve(httpmw.Guard(g, httpmw.Options{ExcludePaths: []string{}})(ok), "/healthz").Code; got != 503 {
		t.Fatalf("no exclusions: got %d, want 503", got)
	}
}

func TestClientGoneIsIgnored(t *testing.T) {
	g := &fakeGuard{}
	ctx, cancel := context.WithCancel(context.Background())
	h := httpmw.Guard(g, httpmw.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel() // the client disconnects while the handler runs
		w.WriteHeader(500)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api", nil).WithContext(ctx))
	if len(g.released) != 1 || g.released[0] != messages.Ignored {
		t.Fatalf("released %v, want [ignored]", g.released)
	}
}

func TestCustomRejectAndClassify(t *testing.T) {
	g := &fakeGuard{reject: messages.ErrShed}
	h := httpmw.Guard(g, httpmw.Options{OnReject: func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(http.StatusTeapot)
	}})(http.NotFoundHandler())
	if got := serve(h, "/x").Code; got != http.StatusTeapot {
		t.Fatalf("custom reject: got %d", got)
	}
	g = &fakeGuard{}
	h = httpmw.Guard(g, httpmw.Options{Classify: func(status int) messages.Outcome {
		if status == 404 {
			return messages.Failure
		}
		return messages.Success
	}})(http.NotFoundHandler())
	serve(h, "/x")
	if g.released[0] != messages.Failure {
		t.Fatalf("custom classify: got %v", g.released)
	}
}
