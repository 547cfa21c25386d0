// Package dashboard serves a read-only view of a Bulwark engine over HTTP:
//
//	/         a live page (one self-contained HTML file, no CDN, no build
//	          step): a tile per instance coloured by its state, with its
//	          counts, calls/s, in-flight against its limit, its queue, and
//	          sparklines of the last minutes; the event log below. It
//	          reconnects on its own after a server restart.
//	/status   JSON of every instance: kind, name, status, state and stats,
//	          with snake_case field names and enums as strings; a stats
//	          field is the snake_case of its Stats field, the same name
//	          for the same thing in every kind (in_flight, waiting,
//	          rejected, rejected_by, succeeded, ...).
//	/healthz  200, or 503 while a breaker named in Options.Critical is open.
//	/events   the event stream as Server-Sent Events, filtered by the query
//	          parameters kind, name and type (each repeatable or
//	          comma-separated).
//
// Mount it with http.Handle("/bulwark/", http.StripPrefix("/bulwark", h)),
// or its handlers one by one (Status, Healthz, Events, Page).
//
// What it shows is safe to expose to operators: names, states and counts.
// It never shows error text or rate-limit keys, and it has no control
// action (force open, reset): those are for handlers a user mounts behind
// their own authentication. Event clients are bounded in number
// (Options.MaxClients) and each has a bounded buffer (Options.ClientBuffer):
// a client that reads too slowly misses events (counted, and told to it),
// and one whose writes stall for Options.WriteTimeout is disconnected; no
// client ever slows a call.
package dashboard
