package eventstream_test

import (
	"fmt"
	"testing"

	"github.com/bulwark-go/bulwark/eventstream"
)

func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{0, 1, 8} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			s := eventstream.New(eventstream.Options{})
			defer s.Close()
			for i := 0; i < n; i++ {
				sub, err := s.Subscribe(eventstream.Filter{}, 1024)
				if err != nil {
					b.Fatal(err)
				}
				go func() { // a reader that keeps up as well as it can
					for range sub.C() {
					}
				}()
			}
			ev := eventstream.Event{Type: eventstream.EventCallSuccess, Pattern: "circuitbreaker", Name: "bench"}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					s.Publish(ev)
				}
			})
		})
	}
}
