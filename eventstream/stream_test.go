package eventstream_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newStream(t testing.TB) *eventstream.Stream {
	t.Helper()
	s := eventstream.New(eventstream.Options{})
	t.Cleanup(s.Close)
	return s
}

func subscribe(t testing.TB, s *eventstream.Stream, f eventstream.Filter, buf int) *eventstream.Subscription {
	t.Helper()
	sub, err := s.Subscribe(f, buf)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return sub
}

// drain reads what is buffered without waiting.
func drain(sub *eventstream.Subscription) []eventstream.Event {
	var out []eventstream.Event
	for {
		select {
		case e, ok := <-sub.C():
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestFilters(t *testing.T) {
	s := newStream(t)
	all := subscribe(t, s, eventstream.Filter{}, 16)
	opened := subscribe(t, s, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitOpened}}, 16)
	payments := subscribe(t, s, eventstream.Filter{Names: []string{"payments"}}, 16)
	both := subscribe(t, s, eventstream.Filter{
		Types:    []eventstream.Type{eventstream.EventCallFailure, eventstream.EventCircuitOpened},
		Patterns: []string{"circuitbreaker"},
		Names:    []string{"payments"},
	}, 16)

	events := []eventstream.Event{
		{Type: eventstream.EventCallFailure, Pattern: "circuitbreaker", Name: "payments"},
		{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "payments"},
		{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "search"},
		{Type: eventstream.EventBulkheadRejected, Pattern: "bulkhead", Name: "payments"},
	}
	for _, e := range events {
		s.Publish(e)
	}
	for _, tc := range []struct {
		name string
		sub  *eventstream.Subscription
		want []int
	}{
		{"unfiltered", all, []int{0, 1, 2, 3}},
		{"by type", opened, []int{1, 2}},
		{"by name", payments, []int{0, 1, 3}},
		{"combined", both, []int{0, 1}},
	} {
		got := drain(tc.sub)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d events %v, want %d", tc.name, len(got), got, len(tc.want))
			continue
		}
		for i, idx := range tc.want {
			if got[i] != events[idx] {
				t.Errorf("%s: event %d: got %v, want %v", tc.name, i, got[i], events[idx])
			}
		}
	}
}

func TestStuckSubscriberDoesNotSlowPublisher(t *testing.T) {
	s := newStream(t)
	const buf, total = 64, 100_000
	stuck := subscribe(t, s, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallSuccess}}, buf)
	fast := subscribe(t, s, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallSuccess}}, total)

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < total; i++ {
			s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess, Fields: eventstream.Fields{Count: int64(i)}})
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a hang, not a timing guess
		t.Fatal("publisher blocked behind a stuck subscriber")
	}
	if got, want := stuck.Dropped(), uint64(total-buf); got != want {
		t.Fatalf("stuck subscriber drops: got %d, want %d", got, want)
	}
	if got := len(drain(stuck)); got != buf {
		t.Fatalf("stuck subscriber buffered: got %d, want %d", got, buf)
	}
	if fast.Dropped() != 0 {
		t.Fatalf("fast subscriber dropped %d", fast.Dropped())
	}
	if got := len(drain(fast)); got != total {
		t.Fatalf("fast subscriber got %d, want %d", got, total)
	}
}

func TestPerPublisherOrder(t *testing.T) {
	s := newStream(t)
	const publishers, each = 8, 2000
	sub := subscribe(t, s, eventstream.Filter{}, publishers*each)
	var wg sync.WaitGroup
	for p := 0; p < publishers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess, Name: string(rune('a' + p)), Fields: eventstream.Fields{Count: int64(i)}})
			}
		}(p)
	}
	wg.Wait()
	next := map[string]int64{}
	for _, e := range drain(sub) {
		if e.Fields.Count != next[e.Name] {
			t.Fatalf("publisher %s: got event %d, want %d", e.Name, e.Fields.Count, next[e.Name])
		}
		next[e.Name]++
	}
	for p := 0; p < publishers; p++ {
		if got := next[string(rune('a'+p))]; got != each {
			t.Fatalf("publisher %d: got %d events, want %d", p, got, each)
		}
	}
}

func TestLagNoticeAtMostOncePerSecond(t *testing.T) {
	s := newStream(t)
	lagging := subscribe(t, s, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallFailure}}, 1)
	watcher := subscribe(t, s, eventstream.Filter{Types: []eventstream.Type{eventstream.EventSubscriberLagged}}, 16)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	publish := func(at time.Duration) {
		s.Publish(eventstream.Event{Type: eventstream.EventCallFailure, Time: t0.Add(at)})
	}
	publish(0)                       // fills the buffer
	publish(0)                       // dropped: notice
	publish(500 * time.Millisecond)  // dropped: too soon for another notice
	publish(999 * time.Millisecond)  // dropped: too soon
	publish(1000 * time.Millisecond) // dropped: a second later, notice
	notices := drain(watcher)
	if len(notices) != 2 {
		t.Fatalf("got %d notices %v, want 2", len(notices), notices)
	}
	if notices[0].Name != lagging.Name() || notices[0].Fields.Count != 1 || notices[1].Fields.Count != 4 {
		t.Fatalf("notices: got %v", notices)
	}
	if lagging.Dropped() != 4 {
		t.Fatalf("dropped: got %d, want 4", lagging.Dropped())
	}
}

func TestOnRunsHandlerInItsOwnGoroutine(t *testing.T) {
	s := newStream(t)
	got := make(chan eventstream.Event, 1)
	reentered := make(chan struct{})
	sub, err := s.On(eventstream.EventStateChange, func(e eventstream.Event) {
		// Publishing from a handler must not deadlock the stream.
		s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
		close(reentered)
		got <- e
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Publish(eventstream.Event{Type: eventstream.EventStateChange, Name: "x"})
	<-reentered
	if e := <-got; e.Name != "x" {
		t.Fatalf("handler got %v", e)
	}
	sub.Close()
	sub.Close() // idempotent
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	panics := make(chan any, 1)
	s := eventstream.New(eventstream.Options{OnHandlerPanic: func(_ *eventstream.Subscription, v any) { panics <- v }})
	defer s.Close()
	calls := make(chan int, 2)
	n := 0
	if _, err := s.On(eventstream.EventCallFailure, func(eventstream.Event) {
		n++
		calls <- n
		if n == 1 {
			panic("boom")
		}
	}); err != nil {
		t.Fatal(err)
	}
	s.Publish(eventstream.Event{Type: eventstream.EventCallFailure})
	s.Publish(eventstream.Event{Type: eventstream.EventCallFailure})
	if v := <-panics; v != "boom" {
		t.Fatalf("panic value: got %v", v)
	}
	if <-calls != 1 || <-calls != 2 {
		t.Fatal("the handler did not keep running after its panic")
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	s := eventstream.New(eventstream.Options{})
	sub := subscribe(t, s, eventstream.Filter{}, 4)
	s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
	s.Close()
	s.Close() // idempotent
	if e, ok := <-sub.C(); !ok || e.Type != eventstream.EventCallSuccess {
		t.Fatal("a buffered event was lost at Close")
	}
	if _, ok := <-sub.C(); ok {
		t.Fatal("channel still open after Close")
	}
	s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess}) // must not panic
	if _, err := s.Subscribe(eventstream.Filter{}, 1); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Subscribe after Close: got %v, want ErrStopped", err)
	}
	sub.Close()
}

func TestCloseWhilePublishing(t *testing.T) {
	s := newStream(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					s.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		sub := subscribe(t, s, eventstream.Filter{}, 1)
		sub.Close() // races with the publishers' sends: must never panic
	}
	close(stop)
	wg.Wait()
}

func TestBadArguments(t *testing.T) {
	s := newStream(t)
	if _, err := s.Subscribe(eventstream.Filter{}, 0); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("buffer 0: got %v", err)
	}
	if _, err := s.OnFilter(eventstream.Filter{}, 1, nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil handler: got %v", err)
	}
	if s.HasSubscribers() {
		t.Fatal("HasSubscribers with none")
	}
}

// Wants answers for the filters of the live subscriptions.
func TestWants(t *testing.T) {
	s := newStream(t)
	if s.Wants(eventstream.EventCallSuccess, "circuitbreaker", "a") {
		t.Fatal("Wants with no subscription")
	}
	opened := subscribe(t, s, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitOpened}}, 1)
	named := subscribe(t, s, eventstream.Filter{Patterns: []string{"ratelimit"}, Names: []string{"a"}}, 1)
	for _, c := range []struct {
		t             eventstream.Type
		pattern, name string
		want          bool
	}{
		{eventstream.EventCircuitOpened, "circuitbreaker", "a", true},
		{eventstream.EventCallSuccess, "circuitbreaker", "a", false},
		{eventstream.EventCallSuccess, "ratelimit", "a", true},
		{eventstream.EventCallSuccess, "ratelimit", "b", false},
	} {
		if got := s.Wants(c.t, c.pattern, c.name); got != c.want {
			t.Errorf("Wants(%s, %s, %s): got %v, want %v", c.t, c.pattern, c.name, got, c.want)
		}
	}
	opened.Close()
	named.Close()
	if s.Wants(eventstream.EventCircuitOpened, "circuitbreaker", "a") {
		t.Fatal("Wants after every subscription closed")
	}
	all := subscribe(t, s, eventstream.Filter{}, 1)
	defer all.Close()
	if !s.Wants(eventstream.EventCallSuccess, "circuitbreaker", "a") {
		t.Fatal("the zero filter does not want call_success")
	}
}

func TestSubscribeBufferBounds(t *testing.T) {
	s := newStream(t)
	for _, tc := range []struct {
		buffer int
		ok     bool
	}{
		{1, true}, {eventstream.LargestBuffer, true},
		{0, false}, {-1, false}, {eventstream.LargestBuffer + 1, false}, {1 << 40, false},
	} {
		sub, err := s.Subscribe(eventstream.Filter{}, tc.buffer)
		var ce *messages.ConfigError
		switch {
		case tc.ok && err != nil:
			t.Errorf("Subscribe(%d): got %v, want a subscription", tc.buffer, err)
		case !tc.ok && (!errors.As(err, &ce) || ce.Field != "buffer" || ce.Value != tc.buffer):
			t.Errorf("Subscribe(%d): got %v, want a ConfigError naming buffer and %d", tc.buffer, err, tc.buffer)
		}
		if sub != nil {
			sub.Close()
		}
	}
}

func TestEventStringShowsOnlyTheFieldsSet(t *testing.T) {
	for _, tc := range []struct {
		e    eventstream.Event
		want string
	}{
		{eventstream.Event{Type: eventstream.EventCallFailure, Pattern: "circuitbreaker", Name: "db",
			Fields: eventstream.Fields{Count: 3, Err: "boom"}}, "call_failure circuitbreaker/db error=boom count=3"},
		{eventstream.Event{Type: eventstream.EventRetryAttempt, Pattern: "retry", Name: "r",
			Fields: eventstream.Fields{Attempt: 2, MaxAttempts: 5, Delay: time.Second, Reason: "timed out"}},
			`retry_attempt retry/r reason="timed out" attempt=2 max_attempts=5 delay=1s`},
		{eventstream.Event{Type: eventstream.EventStateChange, Pattern: "circuitbreaker", Name: "db"}, "state_change circuitbreaker/db"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
