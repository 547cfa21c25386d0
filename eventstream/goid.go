package eventstream

import (
	"bytes"
	"runtime"
	"strconv"
)

// goid returns the id of the calling goroutine, read from the first line of
// its stack trace ("goroutine 42 [running]:"), or 0 if that cannot be read.
// It lets Shutdown tell whether it was called from a handler's goroutine, so
// as not to wait for its own caller. It costs about a microsecond, so it is
// called once when a handler starts and once per Shutdown, never per event.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return id
}
