package supervisor

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/bulwark-go/bulwark/messages"
)

// SetConfig records cfg as the current config of the child of kind and
// name, the one GetOrCreate compares against from then on (and Lookup's
// Child.Config reports). A pattern calls it from the child's own goroutine
// when it applies a new configuration, before it answers the caller that
// asked for it, so that two reconfigurations are recorded in the order they
// were applied. It never blocks and sends no message. A child not in the
// index (not started, or after Shutdown) is messages.ErrStopped.
func (s *Supervisor) SetConfig(kind, name string, cfg any) error {
	k := key{kind, name}
	e := s.ix.get(k, hash(k))
	if e == nil || !e.started() {
		return fmt.Errorf("supervisor: %s %q is not running: %w", kind, name, messages.ErrStopped)
	}
	e.reconfigured.Store(&cfg)
	return nil
}

// Changes describes how next differs from prev, field by field, as two
// texts of "Field=value" pairs separated by spaces: the old values and the
// new ones ("MaxInFlight=10 MaxWaiting=0", "MaxInFlight=5 MaxWaiting=2").
// Nested struct fields are named by path ("Window.Size"); functions print
// as "a func" or "nil func". Both are empty when nothing differs. The
// config_changed events of every pattern carry these texts as OldState and
// NewState.
func Changes(prev, next any) (old, new string) {
	pv, nv := reflect.ValueOf(prev), reflect.ValueOf(next)
	if !pv.IsValid() || !nv.IsValid() || pv.Type() != nv.Type() {
		if equalValues(pv, nv) {
			return "", ""
		}
		return "config=" + show(pv), "config=" + show(nv)
	}
	var o, n []string
	changes("", pv, nv, &o, &n)
	return strings.Join(o, " "), strings.Join(n, " ")
}

func changes(path string, a, b reflect.Value, old, next *[]string) {
	if a.Kind() == reflect.Struct {
		for i := 0; i < a.NumField(); i++ {
			name := a.Type().Field(i).Name
			if path != "" {
				name = path + "." + name
			}
			changes(name, a.Field(i), b.Field(i), old, next)
		}
		return
	}
	if equalValues(a, b) {
		return
	}
	if path == "" {
		path = "config"
	}
	*old = append(*old, path+"="+show(a))
	*next = append(*next, path+"="+show(b))
}
