package supervisor

// Status is where a child is in its life.
type Status uint8

// Child statuses.
const (
	// Running: the child's Serve is running (or about to be restarted).
	Running Status = iota
	// Failed: the child used its restart budget and will not run again.
	Failed
	// Stopped: the child was shut down or its Serve returned nil.
	Stopped
)

// String returns "running", "failed" or "stopped".
func (s Status) String() string {
	switch s {
	case Running:
		return "running"
	case Failed:
		return "failed"
	case Stopped:
		return "stopped"
	}
	return "status(?)"
}

// Child is a value copy of what the supervisor knows of one child.
type Child struct {
	// Kind and Name identify the child.
	Kind, Name string
	// Status is the child's status when the copy was made.
	Status Status
	// Restarts counts the child's restarts since it was created.
	Restarts int
	// Handle is what GetOrCreate returns for the child.
	Handle any
	// Config is the configuration the child was created with.
	Config any
}
