package waitq

// IDMask selects a token's id: the bits that name the Ledger (or the
// NewID caller) that made it.
const IDMask = ^uint64(1<<idShift - 1)

// NewID returns an id from the Ledgers' own numbering, for a pattern that
// makes some of its tokens itself (the adaptive limiter keeps the slots of
// most permits beside its counters, and the rest in a Ledger). A token
// whose IDMask bits are that id is foreign to every Ledger and to every
// other NewID; below the id the caller lays out the slot's index and
// sequence as it likes. Ids repeat after 2^20-1 Ledgers and NewIDs.
func NewID() uint64 { return (ledgers.Add(1)%(1<<idBits-1) + 1) << idShift }
