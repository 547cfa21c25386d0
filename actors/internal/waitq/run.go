package waitq

import "context"

// Run is an admission pattern's Execute once it has acquired: it returns
// err, the Acquire's error, if there is one; else it calls fn with ctx and
// gives the permit of token back with giveBack when fn returns or panics
// (the panic goes on), and returns fn's error. The patterns whose Release
// does not use the outcome call it instead of engine.Run, which classifies
// fn's error for a Release that does.
func Run(ctx context.Context, token uint64, err error, giveBack func(token uint64), fn func(context.Context) error) error {
	if err != nil {
		return err
	}
	defer giveBack(token)
	return fn(ctx)
}
