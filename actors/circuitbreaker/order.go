package circuitbreaker

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Where an outcome stands. The successes of CLOSED calls reach the machine
// in batches, collected from the striped counters; every other outcome
// arrives alone, with seq, the number of successes of its generation the
// counters had taken when it was released. The machine numbers the
// successes it collects (placed) and puts each other outcome right after
// success number seq: in the count-based window, and in its run of
// failures (the failures with the same seq, none of them separated by a
// success). A failure that arrives after successes released later than it
// so stands before them, as it would have had every outcome gone through
// the mailbox in the order the calls returned.

// report is how one permitted call ended.
type report struct {
	token   uint64
	outcome messages.Outcome
	latency time.Duration
	// seq is how many successes of the call's generation the striped
	// counters had taken when it was released: it stands after them.
	seq uint64
	// gen is the generation seq counts in, for a permit the actor held
	// (its token does not carry one).
	gen uint32
	// at is when the call ended (zero: when the machine learns of it).
	at time.Time
	// counted: a success the striped counters took already; the report
	// only asks for its event (seq is then its own place).
	counted bool
}

// runMemory is how many runs of failures (failures with no success
// between them) the machine remembers, so that a failure reported after
// later successes still joins its own run.
const runMemory = 32

// failRun is the failures reported after exactly seq successes of the
// generation.
type failRun struct {
	seq uint64
	n   int
}

// place puts one outcome of a CLOSED call reported after seq successes of
// the generation into sequence, and returns the length of its run of
// failures (0 for a success).
func (m *machine) place(fail, slow bool, seq uint64, at time.Time) int {
	seq = min(seq, m.placed)
	back := m.placed - seq
	if m.windowed() {
		m.win.place(mark(fail, slow), back, at)
	}
	if !fail {
		m.endRun(seq)
		if back == 0 {
			m.consecSucc++
			m.consecFail = 0
		}
		return 0
	}
	n := m.addToRun(seq)
	if back == 0 {
		m.consecFail = n
		m.consecSucc = 0
	}
	if at.After(m.lastFailure) {
		m.lastFailure = at
	}
	return n
}

// addToRun counts one more failure after exactly seq successes and
// returns how many there are, forgetting the oldest run when it must.
func (m *machine) addToRun(seq uint64) int {
	if m.runs == nil {
		m.runs = new([runMemory]failRun)
	}
	oldest := 0
	for i := range m.runs {
		r := &m.runs[i]
		if r.n > 0 && r.seq == seq {
			r.n++
			return r.n
		}
		if o := m.runs[oldest]; o.n > 0 && (r.n == 0 || r.seq < o.seq) {
			oldest = i
		}
	}
	m.runs[oldest] = failRun{seq: seq, n: 1}
	return 1
}

// endRun ends the run after seq successes: a success stands after it.
func (m *machine) endRun(seq uint64) {
	if m.runs == nil {
		return
	}
	for i := range m.runs {
		if m.runs[i].seq == seq {
			m.runs[i] = failRun{}
		}
	}
}

// succeed counts n successes of the current generation that the actor
// collected from the striped counters (none of them slow), at now, in
// bucket e of a time-based window. They stand after every outcome placed
// before them. The window takes them all before it is judged: a success
// can trip it by bringing it to MinimumCalls, but not when the successes
// collected with it bring the rate back under the threshold.
func (m *machine) succeed(n uint64, e int64, now time.Time) {
	if n == 0 {
		return
	}
	m.succeeded += n
	m.total += n
	m.placed += n
	m.consecSucc += int(min(n, 1<<31))
	m.consecFail = 0
	if !m.windowed() {
		return // without a rate window a success cannot move the state
	}
	m.win.recordSuccesses(n, e)
	m.judge(0, now)
}

// late counts n successes of an older generation, collected from the
// striped counters: in the metrics only, as release does.
func (m *machine) late(n uint64) {
	m.succeeded += n
	m.total += n
}
