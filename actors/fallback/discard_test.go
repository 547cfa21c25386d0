package fallback_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/engine"
)

// dropped is one result OnDiscard received.
type dropped struct {
	v   string
	err error
}

// OnDiscard receives every result the caller does not get: the failed
// primary's when the fallbacks run, each failed fallback's, and the
// result of a caller who left; never the answer, nor an error On refuses.
func TestOnDiscard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		leave   bool // the caller's context ends as the primary returns
		primary func(context.Context) (string, error)
		chain   []fallback.Func[string]
		on      func(error) bool
		want    []dropped
		wantV   string
	}{
		{name: "primary succeeds", primary: result("p", nil), chain: chain(result2("f", nil)), wantV: "p"},
		{name: "second fallback answers", primary: result("p", errPrimary), chain: chain(result2("f1", errFB1), result2("f2", nil)),
			want: []dropped{{"p", errPrimary}, {"f1", errFB1}}, wantV: "f2"},
		{name: "all fail", primary: result("p", errPrimary), chain: chain(result2("f1", errFB1), result2("f2", errFB2)),
			want: []dropped{{"p", errPrimary}, {"f1", errFB1}, {"f2", errFB2}}},
		{name: "On refuses: the error is the caller's", primary: result("p", errOther), chain: chain(result2("f", nil)),
			on: func(err error) bool { return err != errOther }, wantV: "p"},
		{name: "the caller left during the primary", primary: result("p", nil), leave: true,
			chain: chain(result2("f", nil)), want: []dropped{{"p", nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []dropped
			hook := func(v string, err error) { got = append(got, dropped{v, err}) }
			f := newFallback(t, fallback.Config[string]{Chain: tc.chain, On: tc.on, OnDiscard: hook})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			v, _ := f.Do(ctx, func(ctx context.Context) (string, error) {
				if tc.leave {
					cancel()
				}
				return tc.primary(ctx)
			})
			if v != tc.wantV || !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, discarded %v; want %q, %v", v, got, tc.wantV, tc.want)
			}
		})
	}
}

// In a composition, a Fallback without OnDiscard hands what it drops to
// the composition's.
func TestOnDiscardInAComposition(t *testing.T) {
	f := newFallback(t, fallback.Config[string]{Chain: chain(result2("f", nil))})
	var got []dropped
	comp := engine.Compose(engine.Policies[string]{Fallback: f, OnDiscard: func(v string, err error) { got = append(got, dropped{v, err}) }})
	v, err := comp.Get(context.Background(), result("p", errPrimary))
	if v != "f" || err != nil || !slices.Equal(got, []dropped{{"p", errPrimary}}) {
		t.Fatalf("got %q, %v, discarded %v; want f, nil, [{p %v}]", v, err, got, errPrimary)
	}
}

func result(v string, err error) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return v, err }
}

func result2(v string, err error) fallback.Func[string] {
	return func(context.Context, error) (string, error) { return v, err }
}

func chain(fs ...fallback.Func[string]) []fallback.Func[string] { return fs }
