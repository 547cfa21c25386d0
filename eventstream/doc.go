// Package eventstream is Bulwark's event bus: the Event value every pattern
// publishes and the fan-out Stream that delivers events to subscribers.
//
// A Stream is owned by one goroutine that keeps the list of subscriptions and
// publishes it as an immutable snapshot. Publish reads that snapshot and hands
// the event to each matching subscription's buffered channel without ever
// blocking: when a subscriber's buffer is full the event is dropped for that
// subscriber alone, the drop is counted on its Subscription, and at most once
// a second per subscriber an EventSubscriberLagged event tells the others.
// With no subscribers Publish costs one atomic load; HasSubscribers and
// Wants (does any filter take this type from this instance?) let a
// publisher skip building an event, or take a faster path, when nobody
// would read it.
//
// Events from one publishing goroutine reach each subscriber in the order
// they were published. Callback handlers registered with On run in a
// goroutine of their own, never in the publisher's, so a handler that calls
// back into the pattern that published cannot deadlock it.
//
// Shutdown stops the stream's goroutine with a signal, never by closing a
// channel that others send on, so Subscribe, On and Subscription.Close may
// race it freely: afterwards they return messages.ErrStopped or do nothing.
// It waits for the handlers until its context ends and names those that
// did not return; a handler that shuts the stream down is not waited for.
package eventstream
