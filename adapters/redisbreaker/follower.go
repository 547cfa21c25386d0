package redisbreaker

import "context"

// FollowerKind is the registry kind of a shared breaker's follower, which
// subscribes to the breaker's channel (named as the breaker).
const FollowerKind = Kind + ".follower"

// follower listens on the breaker's channel and has the flusher read the
// shared state at once when a change is published, so a process follows
// a change within about one round trip instead of one FlushInterval. The
// flushes still read the state if a message is lost (Redis Pub/Sub does
// not redeliver) or the subscription is down.
type follower struct{ b *Breaker }

// Serve subscribes until ctx ends (the engine's shutdown). go-redis
// re-subscribes by itself after a lost connection.
func (f *follower) Serve(ctx context.Context) error {
	sub := f.b.client.Subscribe(ctx, f.b.channel)
	defer sub.Close()
	// A change published before the subscription took effect is not
	// delivered: once Redis confirms it, read the state once, so a change
	// is either read here or delivered below.
	if _, err := sub.Receive(ctx); err == nil {
		f.b.actor.TryTell(tick{sync: true})
	}
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-ch:
			if !ok {
				return nil
			}
			f.b.actor.TryTell(tick{sync: true}) // a flush now, without re-arming the timer
		}
	}
}
