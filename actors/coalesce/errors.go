package coalesce

import "errors"

// ErrTooManyKeys: Config.MaxKeys distinct keys were in flight and the
// call's key was not one of them. It comes wrapped in a
// *messages.RejectedError (Reason ReasonKeysFull), so messages.IsRefusal
// holds: a breaker does not count it and a retry does not retry it by
// default.
var ErrTooManyKeys = errors.New("coalesce: too many keys in flight")

// ReasonKeysFull is the Reason of a refusal with ErrTooManyKeys, and its
// key in Stats.RejectedBy.
const ReasonKeysFull = "keys_full"
