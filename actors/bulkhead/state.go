package bulkhead

import "github.com/bulwark-go/bulwark/actors/internal/waitq"

// fifo is the waiters' queue, shared with the other admission actors.
type fifo = waitq.FIFO
