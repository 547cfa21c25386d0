package waitq

import "testing"

func BenchmarkLedgerGrantRedeem(b *testing.B) {
	l := NewLedger()
	b.ReportAllocs()
	for b.Loop() {
		l.Redeem(l.Grant())
	}
}

func BenchmarkLedgerGrantRedeemParallel(b *testing.B) {
	l := NewLedger()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Redeem(l.Grant())
		}
	})
}

// benchTryGrantRedeem takes a permit of l and gives it back, b.N times, on
// one goroutine or (parallel) on one a P.
func benchTryGrantRedeem(b *testing.B, l *Ledger, parallel bool) {
	b.ReportAllocs()
	loop := func(next func() bool) {
		for next() {
			t, _ := l.TryGrant()
			l.Redeem(t)
		}
	}
	if parallel {
		b.RunParallel(func(pb *testing.PB) { loop(pb.Next) })
		return
	}
	loop(b.Loop)
}

func BenchmarkLimitedLedgerTryGrantRedeem(b *testing.B) {
	benchTryGrantRedeem(b, NewLimitedLedger(1<<20), false)
}

func BenchmarkLimitedLedgerTryGrantRedeemParallel(b *testing.B) {
	benchTryGrantRedeem(b, NewLimitedLedger(1<<20), true)
}

func BenchmarkLimitTryGrantRedeem(b *testing.B) {
	benchTryGrantRedeem(b, NewLimit(1<<16).Ledger(), false)
}

func BenchmarkLimitTryGrantRedeemParallel(b *testing.B) {
	benchTryGrantRedeem(b, NewLimit(1<<16).Ledger(), true)
}
