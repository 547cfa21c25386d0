package dashboard

import (
	"slices"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// hubBuffer is the buffer of the hub's one subscription.
const hubBuffer = 4096

// maxUnion bounds the values of one dimension of the hub's filter; past it
// the dimension matches everything (each client still filters its own).
const maxUnion = 64

// watcher is one /events client as the hub sees it.
type watcher struct {
	filter  eventstream.Filter
	ch      chan eventstream.Event // written by the hub only, never closed
	dropped atomic.Uint64          // events this client missed
	joined  chan struct{}          // closed once the hub's subscription covers filter
}

// hub shares one subscription of the event stream among every /events
// client of a Handler, so that what a publisher pays for the dashboard does
// not grow with the number of browsers: the stream sees one subscriber,
// whose filter is the union of the clients'. Its goroutine starts with the
// first client and ends when the engine shuts down; it owns the client
// list, and subscribes only while there are clients.
type hub struct {
	eng   *engine.Engine
	join  chan *watcher
	leave chan *watcher
	done  chan struct{} // closed when run returns
}

func newHub(eng *engine.Engine) *hub {
	return &hub{eng: eng, join: make(chan *watcher), leave: make(chan *watcher), done: make(chan struct{})}
}

func (h *hub) run() {
	defer close(h.done)
	var ws []*watcher
	var sub *eventstream.Subscription
	var seen uint64 // drops of sub already passed on to the watchers
	defer func() {
		if sub != nil {
			sub.Close()
		}
	}()
	// resubscribe replaces sub by one for the watchers' union filter; the
	// new one is taken before the old one closes, so no event is missed.
	resubscribe := func() {
		old := sub
		sub, seen = nil, 0
		if len(ws) > 0 {
			if s, err := h.eng.Events().Subscribe(union(ws), hubBuffer); err == nil {
				sub = s
			}
		}
		if old != nil {
			old.Close()
		}
	}
	for {
		var events <-chan eventstream.Event
		if sub != nil {
			events = sub.C()
		}
		select {
		case w := <-h.join:
			ws = append(ws, w)
			resubscribe()
			close(w.joined)
		case w := <-h.leave:
			ws = slices.DeleteFunc(ws, func(x *watcher) bool { return x == w })
			resubscribe()
		case e, ok := <-events:
			if !ok {
				return // the stream closed: the engine shut down
			}
			missed := sub.Dropped() - seen
			seen += missed
			for _, w := range ws {
				w.dropped.Add(missed) // the hub fell behind: every client may have missed them
				if !w.filter.Match(&e) {
					continue
				}
				select {
				case w.ch <- e:
				default:
					w.dropped.Add(1)
				}
			}
		case <-h.eng.Done():
			return
		}
	}
}

// union returns a filter that matches every event one of ws wants.
func union(ws []*watcher) eventstream.Filter {
	var f eventstream.Filter
	f.Types = unionOf(ws, func(x eventstream.Filter) []eventstream.Type { return x.Types })
	f.Patterns = unionOf(ws, func(x eventstream.Filter) []string { return x.Patterns })
	f.Names = unionOf(ws, func(x eventstream.Filter) []string { return x.Names })
	return f
}

// unionOf returns the values of one dimension of the watchers' filters, or
// nil (everything) when one of them takes every value or there are more
// than maxUnion.
func unionOf[T comparable](ws []*watcher, dim func(eventstream.Filter) []T) []T {
	var out []T
	for _, w := range ws {
		vs := dim(w.filter)
		if len(vs) == 0 {
			return nil
		}
		for _, v := range vs {
			if !slices.Contains(out, v) {
				if len(out) == maxUnion {
					return nil
				}
				out = append(out, v)
			}
		}
	}
	return out
}
