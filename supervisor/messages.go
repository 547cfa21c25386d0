package supervisor

// message is the closed set of messages the supervisor's goroutine handles.
type message interface{ isSupervisorMessage() }

type exitMsg struct {
	child *entry
	err   error
}

type beginShutdownMsg struct{ reply chan struct{} }

func (exitMsg) isSupervisorMessage()          {}
func (beginShutdownMsg) isSupervisorMessage() {}

type endMsg struct{}

func (endMsg) isSupervisorMessage() {}

// idleStoppedMsg hands the loop children that Shutdown stopped while idle
// (OnDemand.StopIfIdle): no Serve of theirs will return.
type idleStoppedMsg struct{ children []*entry }

func (idleStoppedMsg) isSupervisorMessage() {}
