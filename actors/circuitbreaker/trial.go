package circuitbreaker

import (
	"sync/atomic"
	"time"
)

// Permits are tokens. A CLOSED permit carries the breaker's tag and the
// generation; a half-open trial's permit carries a ticket too, which names
// its lease, so that the machine tells a trial's first Release from any
// other: a second one, or one of a trial whose lease ran out.

// A permit's token: the breaker's instance tag (never 0, the high 15
// bits), a kind bit, and then either
//   - kind 0, a half-open trial: the low 32 bits of the generation it was
//     granted in and its ticket (never 0); or
//   - kind 1, a permit of CLOSED or Disabled: its cell, its slot in the
//     cell and the slot's sequence (see cell); cell actorCell is a permit
//     the actor holds, numbered by serial, when every slot was taken.
//
// The reports the machine reads carry a kind-0 token with ticket 0 for
// the permits of kind 1: it needs only their generation.
const (
	ticketBits = 16
	ticketMask = 1<<ticketBits - 1
	kindBit    = 1 << (ticketBits + 32)
	tagShift   = ticketBits + 33
	tagMask    = 1<<64 - 1<<tagShift

	seqBits   = 31
	seqMask   = 1<<seqBits - 1
	slotShift = seqBits
	slotMask  = 1<<4 - 1
	cellShift = slotShift + 4
	cellMask  = 1<<7 - 1
	actorCell = cellMask
	// serialMask: the bits of a held permit's serial.
	serialMask = 1<<cellShift - 1
)

// instances numbers breakers, so that a permit of one is foreign to every
// other (tags repeat after 32,767 breakers).
var instances atomic.Uint64

func newTag() uint64 { return (instances.Add(1)%(1<<15-1) + 1) << tagShift }

func tokGen(tok uint64) uint32    { return uint32(tok >> ticketBits) }
func tokCell(tok uint64) uint32   { return uint32(tok>>cellShift) & cellMask }
func tokTicket(tok uint64) uint16 { return uint16(tok & ticketMask) }

// lease is a trial call in flight in HALF_OPEN.
type lease struct {
	busy     bool
	ticket   uint16
	deadline time.Time
}

// nextTicket returns a trial ticket that no trial in flight holds (there
// are at most 65,535 of them and 65,535 tickets).
func (m *machine) nextTicket() uint16 {
	for {
		m.ticket++
		if m.ticket == 0 {
			continue
		}
		if m.lease(m.ticket) < 0 {
			return m.ticket
		}
	}
}

// lease returns the index of the lease in flight with ticket t, or -1.
func (m *machine) lease(t uint16) int {
	for i, l := range m.leases {
		if l.busy && l.ticket == t {
			return i
		}
	}
	return -1
}

// pend records a trial of the ending generation that has not reported
// (counted: as failed already), unless it is recorded.
func (m *machine) pend(tok uint64, counted bool) {
	if m.pending == nil {
		m.pending = make(map[uint64]bool)
	}
	if _, ok := m.pending[tok]; !ok {
		m.pending[tok] = counted
	}
}

// endTrial frees the lease of a trial's token and says whether its report
// counts: not when the trial was counted at its lease's expiry, nor when no
// trial of that token is in flight (misuse).
func (m *machine) endTrial(tok uint64, current bool) bool {
	if current {
		if i := m.lease(tokTicket(tok)); i >= 0 {
			m.leases[i].busy = false
			m.busy--
			return true
		}
	} else if counted, ok := m.pending[tok]; ok {
		delete(m.pending, tok)
		return !counted
	} else if int32(tokGen(tok)-uint32(m.first)) < 0 {
		return true // a trial of the actor's life before a restart
	}
	m.misused++
	return false
}
