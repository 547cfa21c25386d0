package redis_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/messages"
)

// A limiter shared by every replica. The client must end a command at its
// context's deadline (ContextTimeoutEnabled), so a slow Redis costs a
// decision at most Config.Timeout; AUTH, ACL users and TLS are the client's
// (Username, Password, TLSConfig).
func Example() {
	client := goredis.NewClient(&goredis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	limiter, err := redis.New(nil, "api", client, redis.Config{
		FailMode: redis.FailClosed,
		Timeout:  50 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rl ratelimit.Interface = limiter // code written for the local limiter runs on it
	err = rl.Allow(context.Background(), "user_123", "100/minute")
	var rej *messages.RejectedError
	switch {
	case err == nil:
		// serve the request
	case errors.As(err, &rej) && rej.Reason == ratelimit.ReasonExceeded:
		fmt.Println("429, retry after", rej.RetryAfter)
	case errors.As(err, &rej): // ReasonBackendUnavailable or ReasonBusy
		fmt.Println("503:", err)
	}
}
