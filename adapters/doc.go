// Package adapters is the home of Bulwark's edges, one package each: httpmw
// (net/http server middleware), httpclient (an http.RoundTripper), redis
// (distributed state on go-redis/v9), sysload (CPU and memory through
// gopsutil/v3), zaplog (the event stream written to zap) and a Prometheus
// exporter. Core logic never lives here. This package itself holds nothing.
package adapters
