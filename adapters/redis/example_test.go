package redis_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

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
		Algorithm: redis.GCRA,
		FailMode:  redis.FailClosed,
		Timeout:   50 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = limiter.AllowRate(context.Background(), "user_123", "100/minute")
	var rej *messages.RejectedError
	switch {
	case err == nil:
		// serve the request
	case errors.As(err, &rej) && rej.Reason == redis.ReasonRateLimited:
		fmt.Println("429, retry after", rej.RetryAfter)
	case errors.As(err, &rej): // ReasonBackendUnavailable or ReasonBusy
		fmt.Println("503:", err)
	}
}
