// Package adapters is the home of Bulwark's edges, one package each: httpmw
// (net/http server middleware), httpclient (an http.RoundTripper), redis
// (distributed rate limiting on go-redis/v9), sysload (CPU and memory
// through gopsutil/v3 and the cgroup files), zaplog (the event stream
// written to zap), prometheus (a client_golang Collector that reads every
// instance's Stats at scrape time) and dashboard (status, health and
// Server-Sent Events handlers and a live page). Core logic never lives
// here. This package itself holds nothing.
package adapters
