package fallback_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-go/bulwark/actors/fallback"
)

func Example() {
	cache := func(context.Context, error) (string, error) { return "", errors.New("cache miss") }
	f, err := fallback.New(nil, "profile", fallback.Config[string]{
		Chain: []fallback.Func[string]{cache, fallback.Value("default profile")},
	})
	if err != nil {
		panic(err)
	}
	v, err := f.Do(context.Background(), func(context.Context) (string, error) {
		return "", errors.New("backend down")
	})
	fmt.Println(v, err)
	// Output: default profile <nil>
}
