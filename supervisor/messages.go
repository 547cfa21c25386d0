package supervisor

// message is the closed set of messages the supervisor's goroutine handles.
type message interface{ isSupervisorMessage() }

type getOrCreateMsg struct {
	spec  Spec
	reply chan getOrCreateReply
}

type getOrCreateReply struct {
	handle any
	err    error
}

type exitMsg struct {
	child *child
	err   error
}

type beginShutdownMsg struct{ reply chan []*child }

// startedMsg reports that a child's Start returned.
type startedMsg struct {
	child  *child
	handle any
	svc    Service
	err    error
}

func (getOrCreateMsg) isSupervisorMessage()   {}
func (exitMsg) isSupervisorMessage()          {}
func (beginShutdownMsg) isSupervisorMessage() {}
func (startedMsg) isSupervisorMessage()       {}

type endMsg struct{}

func (endMsg) isSupervisorMessage() {}

// idleStoppedMsg hands the loop children that Shutdown stopped while idle
// (OnDemand.StopIfIdle): no Serve of theirs will return.
type idleStoppedMsg struct{ children []*child }

func (idleStoppedMsg) isSupervisorMessage() {}
