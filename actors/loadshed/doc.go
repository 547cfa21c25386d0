// Package loadshed sheds requests by count and priority before a service is
// overloaded: the load shedder of the original library (BasicLoadShedder),
// with a bounded queue and priorities that mean something.
//
// A Shedder admits at most Config.MaxInFlight calls at once. A call that
// finds every slot taken waits, if Config.MaxWaiting allows (by default
// nobody waits), for at most Config.MaxWait (by default until its context
// ends), until a slot frees. Priorities (messages.Priority) decide who is
// shed first and who is served first:
//
//   - Low is shed as soon as the load level is LevelElevated or above
//     (utilisation over 60 %, or an outside Signal saying so), and when no
//     slot is free; it never waits.
//   - Normal is admitted while a slot is free, else waits; it is shed when
//     MaxWaiting callers wait already, or when the Signal reports LevelHigh
//     or above.
//   - High is admitted like Normal but is served before every Normal
//     waiter; when MaxWaiting callers wait it takes the place of the
//     youngest Normal waiter (who is shed with ReasonDisplaced). It is shed
//     only when every waiter is High or Critical, or when the Signal
//     reports LevelCritical.
//   - Critical is never shed for a load level: it is admitted up to the
//     hard limit MaxInFlight, is served before everyone and displaces the
//     youngest lower-priority waiter.
//
// The load level comes from utilisation u = in-flight / MaxInFlight:
// u > 90 % is LevelCritical, u > 75 % LevelHigh, u > 60 % LevelElevated,
// else LevelNormal (each boundary itself belongs to the lower level). The
// level a shedder reports is the higher of that and its Signal's.
//
// Every rejection is a *messages.RejectedError that unwraps to ErrShed
// (messages.ErrShed), with one of the Reason constants.
//
// # Signals
//
// Config.Signal plugs in an outside measure of load — the system-aware
// shedder's CPU and memory sampler — without any change to this package:
// anything with a non-blocking Level() method will do. It is read on every
// Acquire while calls are in flight, so it must be cheap (one atomic load
// of a published sample). A shedder with nothing in flight does not shed
// for its Signal: shedding an idle service's first call relieves nothing,
// and a host busy with other work must not starve it.
//
// # Events
//
//   - request_accepted (published by the admitted caller): Key is the
//     priority, Count the in-flight calls after the grant, Max MaxInFlight,
//     NewState the load level.
//   - request_shed (by the shed caller): as request_accepted, plus Reason.
//   - load_level_changed (by the actor, after the message in which a
//     caller noticed the change): OldState and NewState are level names,
//     Count the in-flight calls, Max MaxInFlight. A Signal's change is
//     noticed on the next call.
//
// # Concurrency and lifetime
//
// A Shedder is safe for concurrent use. A call that finds a slot free
// takes it with an atomic operation, without a message. Permits are
// tokens: a Release of a permit that is not held — released already, the
// zero Permit, a permit of another instance — frees nothing and is counted
// in Stats.Misused. The waiters are kept by one actor goroutine, owned by
// the engine's supervisor and ending at Shutdown; while anyone waits, new
// arrivals go through it too so nobody jumps the queue. A waiter whose
// context ends leaves and holds no slot; a grant that crossed its leaving
// is given back. After Shutdown every call returns messages.ErrStopped.
package loadshed
