package kernel

// ConfigPointer exposes boxed to the tests.
func ConfigPointer[C any](box *any) *C { return boxed[C](box) }
