// Package ratelimit is Bulwark's local, per-key rate limiter.
package ratelimit
