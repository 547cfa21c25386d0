//go:build !race

package stress

// raceOn reports whether the race detector is on; the scale tests shrink
// their sizes under it.
const raceOn = false
