package retry

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// DefaultConfig is the original's RetryPolicies.default(): 3 attempts, 1 s
// exponential ×2, max 60 s, jitter 0.1.
func DefaultConfig() Config {
	return Config{Backoff: Backoff{MaxAttempts: 3, InitialDelay: time.Second, MaxDelay: 60 * time.Second, Multiplier: 2}}
}

// AggressiveConfig is aggressive(): 5 attempts, 0.1 s exponential ×2, max
// 10 s.
func AggressiveConfig() Config {
	return Config{Backoff: Backoff{MaxAttempts: 5, InitialDelay: 100 * time.Millisecond, MaxDelay: 10 * time.Second, Multiplier: 2}}
}

// ConservativeConfig is conservative(): 3 attempts, 2 s linear (step 2 s),
// max 30 s, jitter 0.3.
func ConservativeConfig() Config {
	return Config{Backoff: Backoff{MaxAttempts: 3, InitialDelay: 2 * time.Second, MaxDelay: 30 * time.Second,
		Step: 2 * time.Second, Strategy: Linear}, Jitter: 0.3}
}

// NetworkConfig is network(): 4 attempts, 0.5 s exponential ×2.5, max 15 s,
// retrying only network errors (IsNetworkError) and timeouts.
func NetworkConfig() Config {
	return Config{Backoff: Backoff{MaxAttempts: 4, InitialDelay: 500 * time.Millisecond, MaxDelay: 15 * time.Second, Multiplier: 2.5},
		RetryOn: IsNetworkError}
}

// IsNetworkError is the network preset's predicate, the Go reading of the
// original's (ConnectionError, TimeoutError, OSError): a net.Error, a
// syscall connection error, os.ErrDeadlineExceeded or messages.ErrTimeout
// — but not the caller's own context errors.
func IsNetworkError(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, messages.ErrTimeout) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE)
}
