// Package adapters is the home of Bulwark's edges, one package each:
// httpmw (net/http server middleware), httpclient (an http.RoundTripper
// that guards and retries), grpc (interceptors, in a nested module of its
// own), redis (the rate limiter on go-redis/v9), redisbreaker (a circuit
// breaker shared through Redis), rediscache (a cache store on Redis),
// sysload (CPU and memory through gopsutil/v3 and the cgroup files), zaplog
// (the event stream written to zap), prometheus (a client_golang Collector
// that reads every instance's Stats at scrape time), otel (the same figures
// as OpenTelemetry instruments) and dashboard (status, health and
// Server-Sent Events handlers and a live page). Core logic never lives
// here. This package itself holds nothing.
package adapters
