// Package stress holds Bulwark's race-detector stress and soak tests: every
// pattern hammered by thousands of goroutines while invariants (nothing
// over-admitted, every permit released once, nothing leaked) are checked
// continuously. Side-by-side benchmarks against peer libraries live in the
// nested module stress/peers. This package holds no library code.
package stress
