// Package kernel is what a pattern author uses to build a pattern on the
// engine: Actor (a mailbox and the loop that serves it), the Behavior it
// runs, Snapshot for lock-free reads of an actor's state, the mailbox
// bounds, and Spawn and Lookup, which start or find a pattern instance
// under an engine's supervisor. A user of the patterns never imports it:
// a user calls engine.New and the patterns' constructors.
//
// An Actor takes messages of type M and answers Asks with R, one at a
// time, in its own goroutine (owned by a supervisor): Ask with pooled
// reply channels, Tell, batch draining, panic capture. A mailbox holds no
// buffer until used, grows as it fills up to its bound and shrinks after
// a burst. An actor's goroutine, and its behaviour, start at its first
// message, not at its creation: an actor never sent one costs its
// mailbox's header and its registry entry, no goroutine. Once used, an
// actor keeps its goroutine (a few KB of stack) for its whole life; under
// engine.WithOnDemandActors it has one only while it has work, and its
// next message after idleness starts one again.
//
// Sizes are bounded: a mailbox holds at most LargestMailboxSize messages;
// CheckMailboxSize validates a configured one.
package kernel

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/bulwark-go/bulwark/supervisor"
)

// Service is what a pattern's start function returns for the supervisor
// to run: an *Actor is one. It is supervisor.Service, named here so that a
// pattern need not import supervisor.
type Service = supervisor.Service

// Host is what Spawn and Lookup start and find instances under: an
// *engine.Engine is one.
type Host interface {
	Supervisor() *supervisor.Supervisor
}

// Lookup returns the handle of the instance of kind called name, if one
// has started under h and its handle is an H. It reads the supervisor's
// index: no message, no allocation, never blocks.
func Lookup[H any](h Host, kind, name string) (H, bool) {
	c, ok := h.Supervisor().Lookup(kind, name)
	handle, isH := c.Handle.(H)
	return handle, ok && isH
}

// Find returns the handle of the instance of kind called name if one has
// started under h with the config *cfg and its handle is an H: what Spawn
// would return for that name and config, found without a message, without
// an allocation, and without keeping cfg. It reports false when there is
// none, when the engine is shutting down, and when the configs differ or
// hold a field it cannot compare in place (a pointer, slice or interface
// that is not the very same): Spawn gives the full answer then. A
// pattern's New calls Find before it builds Spawn's start function, so
// that getting an existing instance allocates nothing.
func Find[H, C any](h Host, kind, name string, cfg *C) (H, bool) {
	got, ok := supervisor.Find(h.Supervisor(), kind, name, cfg)
	handle, isH := got.(H)
	return handle, ok && isH
}

// Spawn gets or creates, under h's supervisor, the instance of the given
// kind and name. When none exists, start builds the handle users call
// (which holds the actor) and the Service to run; when one exists with
// the same config its handle is returned (read from the supervisor's
// index, without a message to its goroutine); a different config is a
// *supervisor.ConflictError. H is the handle type; asking for a name that
// holds another kind of handle is an error.
func Spawn[H any](ctx context.Context, h Host, kind, name string, cfg any, start func() (H, Service, error)) (H, error) {
	got, err := h.Supervisor().GetOrCreateFunc(ctx, kind, name, cfg, func() (any, supervisor.Service, error) {
		return start()
	})
	return handleOf[H](kind, name, got, err)
}

// SpawnConfig is Spawn for an instance whose handle keeps its config: the
// registry and the handle share one copy of cfg. start gets a pointer to
// the copy the registry holds, which nobody may write (a handle that
// changes its config stores a pointer to a new one), so that a new
// instance holds its config once and start need not capture it.
func SpawnConfig[H, C any](ctx context.Context, h Host, kind, name string, cfg C, start func(cfg *C) (H, Service, error)) (H, error) {
	box := any(cfg)
	p := boxed[C](&box)
	got, err := h.Supervisor().GetOrCreateFunc(ctx, kind, name, box, func() (any, supervisor.Service, error) {
		return start(p)
	})
	return handleOf[H](kind, name, got, err)
}

// handleOf is GetOrCreate's answer for kind and name as an H.
func handleOf[H any](kind, name string, got any, err error) (H, error) {
	var zero H
	if err != nil {
		return zero, err
	}
	handle, ok := got.(H)
	if !ok {
		return zero, fmt.Errorf("kernel: %s %q holds a %T, not a %T", kind, name, got, zero)
	}
	return handle, nil
}

// boxed returns a pointer to the C that *box holds: the copy the
// interface points to when C is a struct larger than a pointer (never
// stored in the interface word itself), else a copy of its own.
func boxed[C any](box *any) *C {
	if t := reflect.TypeFor[C](); t.Kind() == reflect.Struct && t.Size() > unsafe.Sizeof(uintptr(0)) {
		return (*C)((*[2]unsafe.Pointer)(unsafe.Pointer(box))[1])
	}
	c := (*box).(C)
	return &c
}
