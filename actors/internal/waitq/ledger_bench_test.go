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

func BenchmarkLimitedLedgerTryGrantRedeem(b *testing.B) {
	l := NewLimitedLedger(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		t, _ := l.TryGrant()
		l.Redeem(t)
	}
}

func BenchmarkLimitTryGrantRedeem(b *testing.B) {
	l := NewLimit(1 << 16).Ledger()
	b.ReportAllocs()
	for b.Loop() {
		t, _ := l.TryGrant()
		l.Redeem(t)
	}
}

func BenchmarkLimitTryGrantRedeemParallel(b *testing.B) {
	l := NewLimit(1 << 16).Ledger()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, _ := l.TryGrant()
			l.Redeem(t)
		}
	})
}
