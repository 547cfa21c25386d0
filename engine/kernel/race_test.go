//go:build race

package kernel_test

// raceOn says whether the tests run under -race.
const raceOn = true
