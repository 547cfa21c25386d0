package eventstream_test

import (
	"fmt"

	"github.com/bulwark-go/bulwark/eventstream"
)

// A subscription receives the events its filter matches on its own channel.
func ExampleStream_Subscribe() {
	s := eventstream.New(eventstream.Options{})
	defer s.Close()
	sub, err := s.Subscribe(eventstream.Filter{Names: []string{"payments"}}, 16)
	if err != nil {
		panic(err)
	}
	s.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "payments"})
	s.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "search"})
	e := <-sub.C()
	fmt.Println(e.Type, e.Name, len(sub.C()))
	// Output: circuit_opened payments 0
}
