package kernel

// OwnsGoroutine reports whether a has a goroutine of its own: its Serve
// has started (by default, once the supervisor claimed it after its first
// batch).
func OwnsGoroutine[M, R any](a *Actor[M, R]) bool { return !a.attached.Load() }
