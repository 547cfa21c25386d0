package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
)

// maxFilterValue bounds the length of one /events filter value.
const maxFilterValue = 256

// EventView is one event on /events (the data of an SSE message of type
// "bulwark"). It never carries an error's text or a rate-limit key.
type EventView struct {
	Type        string  `json:"type"`
	Kind        string  `json:"kind"`
	Name        string  `json:"name"`
	Time        string  `json:"time"`
	OldState    string  `json:"old_state,omitempty"`
	NewState    string  `json:"new_state,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	Limit       string  `json:"limit,omitempty"`
	Count       int64   `json:"count,omitempty"`
	Max         int64   `json:"max,omitempty"`
	Attempt     int     `json:"attempt,omitempty"`
	MaxAttempts int     `json:"max_attempts,omitempty"`
	DelayMS     float64 `json:"delay_ms,omitempty"`
	ElapsedMS   float64 `json:"elapsed_ms,omitempty"`
}

// eventView returns what /events shows of e: every field but Fields.Key and
// Fields.Err.
func eventView(e *eventstream.Event) EventView {
	f := &e.Fields
	return EventView{Type: string(e.Type), Kind: e.Pattern, Name: e.Name,
		Time: e.Time.UTC().Format(time.RFC3339Nano), OldState: f.OldState, NewState: f.NewState,
		Reason: f.Reason, Limit: f.Limit, Count: f.Count, Max: f.Max, Attempt: f.Attempt,
		MaxAttempts: f.MaxAttempts, DelayMS: ms(f.Delay), ElapsedMS: ms(f.Elapsed)}
}

// ParseFilter reads an /events filter from the query parameters kind, name
// and type; each may repeat or hold comma-separated values (at most
// MaxFilterValues per parameter, each at most 256 bytes).
func ParseFilter(q url.Values) (eventstream.Filter, error) {
	var f eventstream.Filter
	var err error
	if f.Patterns, err = values(q, "kind"); err != nil {
		return f, err
	}
	if f.Names, err = values(q, "name"); err != nil {
		return f, err
	}
	types, err := values(q, "type")
	for _, t := range types {
		f.Types = append(f.Types, eventstream.Type(t))
	}
	return f, err
}

func values(q url.Values, key string) ([]string, error) {
	var out []string
	for _, raw := range q[key] {
		for v := range strings.SplitSeq(raw, ",") {
			v = strings.TrimSpace(v)
			switch {
			case v == "":
				continue
			case len(v) > maxFilterValue:
				return nil, fmt.Errorf("%s: a value is longer than %d bytes", key, maxFilterValue)
			case len(out) == MaxFilterValues:
				return nil, fmt.Errorf("%s: more than %d values", key, MaxFilterValues)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// Events returns the handler of /events: Server-Sent Events of the
// engine's event stream, filtered as ParseFilter reads the query. Each
// event is an SSE message of type "bulwark" whose data is an EventView;
// when the client's buffer overflowed, a message of type "dropped" tells
// how many events it has missed so far. Past Options.MaxClients clients
// the answer is 503; a malformed filter is 400.
func (h *Handler) Events() http.Handler {
	return http.HandlerFunc(h.serveEvents)
}

func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query())
	if err != nil {
		http.Error(w, "bad filter: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !h.claimClient() {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many event clients", http.StatusServiceUnavailable)
		return
	}
	defer h.clients.Add(-1)
	h.hubOnce.Do(func() { go h.hub.run() })
	wt := &watcher{filter: f, ch: make(chan eventstream.Event, h.opts.ClientBuffer), joined: make(chan struct{})}
	select {
	case h.hub.join <- wt:
	case <-h.hub.done:
		http.Error(w, "engine stopped", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	select { // events published from here on reach wt
	case <-wt.joined:
	case <-h.hub.done:
	}
	c := &client{h: h, w: w, rc: http.NewResponseController(w)}
	defer func() {
		select {
		case h.hub.leave <- wt:
		case <-h.hub.done:
		}
		c.countDrops(wt.dropped.Load())
	}()
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if c.send(": connected\nretry: 2000\n\n") != nil {
		return
	}
	beat := time.NewTicker(h.opts.Heartbeat)
	defer beat.Stop()
	for {
		var msg []byte
		select {
		case e := <-wt.ch:
			msg = c.event(&e)
			// Send what is already buffered in the same write.
			for more := true; more && len(msg) < 64<<10; {
				select {
				case e := <-wt.ch:
					msg = append(msg, c.event(&e)...)
				default:
					more = false
				}
			}
		case <-beat.C:
			msg = []byte(": keep-alive\n\n")
		case <-r.Context().Done():
			return
		case <-h.eng.Done():
			return
		case <-h.hub.done:
			return
		}
		if n := wt.dropped.Load(); n != c.dropped {
			c.countDrops(n)
			msg = fmt.Appendf(msg, "event: dropped\ndata: {\"dropped\":%d}\n\n", n)
		}
		if c.send(string(msg)) != nil {
			return
		}
	}
}

// claimClient takes a client slot, or reports that none is free.
func (h *Handler) claimClient() bool {
	for {
		n := h.clients.Load()
		if n >= int64(h.opts.MaxClients) {
			return false
		}
		if h.clients.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// client is one /events connection, used by its request's goroutine only.
type client struct {
	h       *Handler
	w       http.ResponseWriter
	rc      *http.ResponseController
	dropped uint64 // drops already counted in h.dropped
}

// event renders e as an SSE message.
func (c *client) event(e *eventstream.Event) []byte {
	data, _ := json.Marshal(eventView(e))
	msg := make([]byte, 0, len(data)+32)
	msg = append(msg, "event: bulwark\ndata: "...)
	msg = append(msg, data...)
	return append(msg, "\n\n"...)
}

// countDrops adds the drops seen since the last call to the handler's.
func (c *client) countDrops(n uint64) {
	c.h.dropped.Add(n - c.dropped)
	c.dropped = n
}

// send writes and flushes s, giving up after Options.WriteTimeout: a
// client that does not read is disconnected, never waited for.
func (c *client) send(s string) error {
	_ = c.rc.SetWriteDeadline(time.Now().Add(c.h.opts.WriteTimeout))
	if _, err := c.w.Write([]byte(s)); err != nil {
		return err
	}
	return c.rc.Flush()
}
