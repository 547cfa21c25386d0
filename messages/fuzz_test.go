package messages_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzParsePriority: a priority string either parses to a priority whose
// String reads back as the input (the empty string is Normal), or is an
// error quoting the input; a Priority outside Low..Critical
// reads as priority(n).
func FuzzParsePriority(f *testing.F) {
	for _, s := range []string{"", "low", "normal", "high", "critical", "LOW", " high", "urgent", "\x00", "critical\n"} {
		f.Add(s, uint8(0))
	}
	f.Add("high", uint8(255))
	f.Fuzz(func(t *testing.T, s string, raw uint8) {
		p, err := messages.ParsePriority(s)
		switch {
		case err == nil && s == "" && p != messages.Normal:
			t.Fatalf("ParsePriority(\"\"): got %v, want normal", p)
		case err == nil && s != "" && p.String() != s:
			t.Fatalf("ParsePriority(%q): got %v, which reads back as %q", s, p, p.String())
		case err != nil && !strings.Contains(err.Error(), strconv.Quote(s)):
			t.Fatalf("ParsePriority(%q): error %q does not quote the input", s, err)
		}
		if p := messages.Priority(int8(raw)); (p >= messages.Low && p <= messages.Critical) != (p.String() != fmt.Sprintf("priority(%d)", int8(raw))) {
			t.Fatalf("Priority(%d).String(): got %q", int8(raw), p.String())
		}
	})
}
