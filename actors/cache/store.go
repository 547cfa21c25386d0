package cache

// Store holds a Cache's entries by key. Implementations must be safe for
// concurrent use and must not block for long: a Cache calls them in its
// callers' goroutines. Set may drop an entry (a full store, an entry
// larger than the store) and may evict others; Get then reports it
// missing. A Store that returns the same *Entry to concurrent readers lets
// the Cache coalesce refreshes of a stale entry; one that returns copies
// (a remote store) gets one refresh per copy.
type Store[V any] interface {
	// Get returns key's entry, or false.
	Get(key string) (*Entry[V], bool)
	// Set stores e under key, replacing any entry; e is not changed
	// afterwards by anyone.
	Set(key string, e *Entry[V])
	// Delete removes key's entry, if any.
	Delete(key string)
}
