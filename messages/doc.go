// Package messages is the vocabulary shared by Bulwark's callers, patterns
// and adapters: the sentinel errors every pattern answers with
// (ErrCircuitOpen, ErrTimeout, ErrStopped, …), the typed errors that carry
// detail (*RejectedError for a refusal, with its Reason and RetryAfter;
// *TimeoutError for a time limit that fired; *ConfigError naming a
// configuration field and its value; *PanicError), the Reason constants
// shared by more than one pattern, call priorities, and the Outcome a
// caller reports after a permitted call together with the default mapping
// from an error to it (ClassifyError, IsRefusal, WorthRepeating).
//
// Every typed error unwraps to its sentinel, so errors.Is answers what
// happened and errors.As finds the detail. The zero values mean the usual
// case: Priority Normal, Outcome Success.
//
// It holds no behaviour and no state: it is safe for concurrent use, and
// every other Bulwark package imports it; it imports only the standard
// library.
package messages
