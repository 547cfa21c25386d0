package redis

import (
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/messages"
)

// clientPool checks that client ends a command at its context's deadline
// and returns its pool size (per node for a cluster or a ring). go-redis
// sets socket deadlines from the context only with ContextTimeoutEnabled,
// and sets none at all under a negative ReadTimeout or WriteTimeout, so a
// client without them would hold a decision until its own ReadTimeout
// (seconds) whatever Config.Timeout says: it is refused, with the option
// to set. Types other than *Client, *ClusterClient and *Ring cannot be
// checked and are refused too.
func clientPool(client goredis.UniversalClient) (int, error) {
	var (
		opts                      string
		ctxTimeout                bool
		readTimeout, writeTimeout time.Duration
		poolSize                  int
	)
	switch c := client.(type) {
	case *goredis.Client:
		o := c.Options()
		opts, ctxTimeout, readTimeout, writeTimeout, poolSize = "Options", o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout, o.PoolSize
	case *goredis.ClusterClient:
		o := c.Options()
		opts, ctxTimeout, readTimeout, writeTimeout, poolSize = "ClusterOptions", o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout, o.PoolSize
	case *goredis.Ring:
		o := c.Options()
		opts, ctxTimeout, readTimeout, writeTimeout, poolSize = "RingOptions", o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout, o.PoolSize
	default:
		return 0, messages.InvalidConfig(Kind, "client", fmt.Sprintf("%T", client),
			"must be a *redis.Client, *redis.ClusterClient or *redis.Ring with ContextTimeoutEnabled (other clients cannot be checked to end a call at its deadline)")
	}
	switch {
	case !ctxTimeout:
		return 0, messages.InvalidConfig(Kind, "client", opts+".ContextTimeoutEnabled false",
			"set "+opts+".ContextTimeoutEnabled = true: without it go-redis ignores the context's deadline on the socket and a decision waits for ReadTimeout")
	case readTimeout < 0:
		return 0, messages.InvalidConfig(Kind, "client", fmt.Sprintf("%s.ReadTimeout %v", opts, readTimeout),
			"set "+opts+".ReadTimeout to 0 or more: a negative one disables socket deadlines, the context's included")
	case writeTimeout < 0:
		return 0, messages.InvalidConfig(Kind, "client", fmt.Sprintf("%s.WriteTimeout %v", opts, writeTimeout),
			"set "+opts+".WriteTimeout to 0 or more: a negative one disables socket deadlines, the context's included")
	case poolSize < 1:
		return 0, messages.InvalidConfig(Kind, "client", fmt.Sprintf("%s.PoolSize %d", opts, poolSize), "must be at least 1")
	}
	return poolSize, nil
}
