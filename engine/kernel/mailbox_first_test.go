package kernel

import (
	"runtime"
	"sync"
	"testing"
)

// Senders racing the first message of fresh mailboxes all get their
// messages in, in each sender's order: whichever of them makes the first
// segment (the mailbox's own, or one of a racer's), the others send into
// it or past it, and the receiver, taking messages meanwhile, loses none.
func TestMailboxFirstSegmentUnderRacingSenders(t *testing.T) {
	const mailboxes, senders, each = 300, 8, 6
	for range mailboxes {
		var m mailbox[[2]int]
		m.init(DefaultMailboxSize)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range each {
					if ok, _ := m.trySend([2]int{s, i}); !ok {
						t.Errorf("sender %d: message %d refused", s, i)
						return
					}
				}
			}()
		}
		close(start)
		next := make([]int, senders)
		var first *segment[[2]int] // the chain's first segment
		for got := 0; got < senders*each; {
			v, ok := m.tryRecv()
			if !ok {
				runtime.Gosched()
				continue
			}
			if got == 0 {
				first = m.head.Load()
			}
			if v[1] != next[v[0]] {
				t.Fatalf("sender %d: message %d arrived when %d was next", v[0], v[1], next[v[0]])
			}
			next[v[0]]++
			got++
		}
		wg.Wait()
		if _, ok := m.tryRecv(); ok {
			t.Fatal("a message more than was sent")
		}
		if first != &m.first && m.first.ch != nil {
			t.Fatal("the mailbox's own first segment holds a channel it never published")
		}
	}
}
