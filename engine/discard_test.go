package engine_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
)

// discardingPolicy runs next twice and keeps the second result, handing
// the first to next.Discard.
type discardingPolicy struct{}

func (discardingPolicy) Apply(ctx context.Context, next engine.Next[int]) (int, error) {
	v, err := next.Call(ctx)
	next.Discard(v, err)
	return next.Call(ctx)
}

// A composition's OnDiscard gets what its policies hand to Next.Discard
// and the result of a caller who left before Get returned; never what the
// caller gets. Set through Policies or the method, it is the same.
func TestCompositionOnDiscard(t *testing.T) {
	type dropped struct {
		v   int
		err error
	}
	for _, how := range []string{"Policies.OnDiscard", "Composition.OnDiscard"} {
		t.Run(how, func(t *testing.T) {
			var got []dropped
			hook := func(v int, err error) { got = append(got, dropped{v, err}) }
			var comp *engine.Composition[int]
			if how == "Policies.OnDiscard" {
				comp = engine.Compose(engine.Policies[int]{Retry: discardingPolicy{}, OnDiscard: hook})
			} else {
				comp = engine.Compose(engine.Policies[int]{Retry: discardingPolicy{}}).OnDiscard(hook)
			}
			n := 0
			v, err := comp.Get(context.Background(), func(context.Context) (int, error) { n++; return n, nil })
			if v != 2 || err != nil || !slices.Equal(got, []dropped{{1, nil}}) {
				t.Fatalf("got %d, %v, discarded %v; want 2, nil, [{1 <nil>}]", v, err, got)
			}
			got = nil
			ctx, cancel := context.WithCancel(context.Background())
			n = 0
			v, err = comp.Get(ctx, func(context.Context) (int, error) {
				n++
				if n == 2 {
					cancel()
				}
				return n, nil
			})
			if v != 0 || !errors.Is(err, context.Canceled) || !slices.Equal(got, []dropped{{1, nil}, {2, nil}}) {
				t.Fatalf("caller who left: got %d, %v, discarded %v; want 0, Canceled, [{1 <nil>} {2 <nil>}]", v, err, got)
			}
		})
	}
	// The zero Next and a composition without OnDiscard discard nowhere.
	engine.Next[int]{}.Discard(1, nil)
	if _, err := engine.Chain(engine.UsePolicy[int](discardingPolicy{})).Get(context.Background(), func(context.Context) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
}
