package kernel

import "testing"

type echoB struct{}

func (echoB) Receive(m int) (int, error) { return m, nil }

// StopIfIdle retires a parked actor with nothing queued; one whose sender
// has queued and counted a message but not yet looked at the scheduling
// word is woken instead, so the message is handled.
func TestStopIfIdle(t *testing.T) {
	newParked := func() (*Actor[int, int], *int) {
		wakes := new(int)
		a := NewActor(0, func() Behavior[int, int] { return echoB{} })
		a.Attach(wakeFunc(func() { *wakes++ }))
		a.sched.Store(parked)
		return a, wakes
	}
	a, wakes := newParked()
	if !a.StopIfIdle() || *wakes != 0 {
		t.Fatalf("idle parked actor: StopIfIdle false or woken (%d)", *wakes)
	}
	if a.TryTell(1) {
		t.Fatal("TryTell to a retired actor: true, want false")
	}
	a.wake = wakeFunc(func() { t.Fatal("a retired actor was woken") })
	a.unpark()

	a, wakes = newParked()
	if ok, _ := a.mb.trySend(envelope[int, int]{msg: 1}); !ok {
		t.Fatal("trySend failed")
	}
	a.sent.Add(1) // the sender has counted it but not yet looked at sched
	if a.StopIfIdle() {
		t.Fatal("StopIfIdle with a message queued: true, want false")
	}
	if *wakes != 1 || a.sched.Load() != scheduled {
		t.Fatalf("after StopIfIdle with a message queued: %d wakes, sched %d; want 1 and scheduled", *wakes, a.sched.Load())
	}
}

// wakeFunc is a supervisor.Waker that calls itself.
type wakeFunc func()

func (f wakeFunc) Wake() { f() }
