package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A caller reads its own writes: once the failure that trips the circuit
// has been reported, the same goroutine's next call is rejected, and once
// the closing trial has been reported, the next call is admitted — with no
// Stats round trip in between.
func TestReportsAreReadYourWrites(t *testing.T) {
	eng, clock := newFake(t)
	for round := 0; round < 200; round++ {
		b := mustNew(t, eng, fmt.Sprint("ryw-", round), Config{FailureThreshold: 3, SuccessThreshold: 1, RecoveryTimeout: time.Second})
		for i := 0; i < 3; i++ {
			if err := b.Execute(context.Background(), failFn); !errors.Is(err, errBoom) {
				t.Fatalf("round %d failure %d: got %v", round, i, err)
			}
		}
		if err := b.Execute(context.Background(), okFn); !errors.Is(err, ErrOpen) {
			t.Fatalf("round %d: the call after the tripping failure got %v, want ErrOpen", round, err)
		}
		clock.Advance(time.Second)
		if err := b.Execute(context.Background(), okFn); err != nil {
			t.Fatalf("round %d: trial got %v", round, err)
		}
		if st, _ := b.State(); st != Closed {
			t.Fatalf("round %d: after the closing trial the snapshot says %v", round, st)
		}
	}
}
