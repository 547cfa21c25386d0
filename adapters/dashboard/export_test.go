package dashboard

import "github.com/bulwark-go/bulwark/eventstream"

// ViewOfEvent exposes eventView to the tests.
func ViewOfEvent(e eventstream.Event) EventView { return eventView(&e) }
