package dashboard_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/eventstream"
)

// FuzzParseFilter: any query either parses into lists within their bounds
// holding no empty value, or is refused; it never panics.
func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{
		"", "kind=circuitbreaker&type=circuit_opened,circuit_closed&name=payments",
		"name=a&name=b,c", "type=,,,", "kind=%zz", strings.Repeat("name=x&", 70),
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := dashboard.ParseFilter(q)
		if err != nil {
			return
		}
		lists := [][]string{fl.Patterns, fl.Names, nil}
		for _, ty := range fl.Types {
			lists[2] = append(lists[2], string(ty))
		}
		for _, l := range lists {
			if len(l) > dashboard.MaxFilterValues {
				t.Fatalf("%q: %d values, want at most %d", raw, len(l), dashboard.MaxFilterValues)
			}
			for _, v := range l {
				if v == "" || len(v) > 256 || strings.Contains(v, ",") {
					t.Fatalf("%q: value %q", raw, v)
				}
			}
		}
	})
}

// FuzzEventView: an event's JSON on /events is the same whatever its key
// and error text are, so neither can reach a browser.
func FuzzEventView(f *testing.F) {
	f.Add("circuit_opened", "payments", "open", "10.0.0.7", "dial tcp: refused", int64(3))
	f.Add("", "", "", "", "", int64(0))
	f.Add("x\"y", "\xff", "\n", "alice@example.com", "</script>", int64(-1))
	f.Fuzz(func(t *testing.T, typ, name, reason, key, errText string, count int64) {
		e := eventstream.Event{Type: eventstream.Type(typ), Pattern: "circuitbreaker", Name: name,
			Time: time.Unix(0, count).UTC(), Fields: eventstream.Fields{Reason: reason, Count: count, Key: key, Err: errText}}
		clean := e
		clean.Fields.Key, clean.Fields.Err = "", ""
		got, err := json.Marshal(dashboard.ViewOfEvent(e))
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(dashboard.ViewOfEvent(clean))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("key %q / error %q changed the event's JSON:\n got %s\nwant %s", key, errText, got, want)
		}
	})
}
