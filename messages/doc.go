// Package messages is the vocabulary shared by callers and actors in Bulwark:
// the sentinel errors every pattern answers with, the typed rejection and
// configuration errors that carry detail, call priorities, and the outcome a
// caller reports after a permitted call.
//
// It holds no behaviour. Every other Bulwark package imports it; it imports
// only the standard library.
package messages
