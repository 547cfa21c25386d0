package messages_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzParsePriority: a priority string either parses to a priority whose
// String reads back as the input (the empty string is Normal), or is an
// error quoting the input; every Priority value ranks in [0, 3].
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
		if r := messages.Priority(raw).Rank(); r < 0 || r > 3 {
			t.Fatalf("Priority(%d).Rank(): got %d, want 0..3", raw, r)
		}
	})
}
