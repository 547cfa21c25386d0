package eventstream

// Filter selects events for a subscription. Each non-empty list must contain
// the event's value for the event to match (the lists combine with AND; the
// values within a list with OR). The zero Filter matches every event.
type Filter struct {
	// Types, if set, lists the event types to receive.
	Types []Type
	// Patterns, if set, lists the pattern kinds to receive.
	Patterns []string
	// Names, if set, lists the instance names to receive.
	Names []string
}

// Match reports whether e passes the filter.
func (f *Filter) Match(e *Event) bool {
	return matchAny(f.Types, e.Type) && matchAny(f.Patterns, e.Pattern) && matchAny(f.Names, e.Name)
}

func matchAny[T comparable](want []T, got T) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if w == got {
			return true
		}
	}
	return false
}

// clone copies the filter's lists so later changes by the caller do not
// reach the stream.
func (f Filter) clone() Filter {
	return Filter{
		Types:    append([]Type(nil), f.Types...),
		Patterns: append([]string(nil), f.Patterns...),
		Names:    append([]string(nil), f.Names...),
	}
}
