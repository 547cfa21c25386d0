// Package sysload samples the host's CPU and memory use through gopsutil
// for the system-aware load shedder.
//
// A Sampler is an actor under the engine's supervisor: every Interval (on
// the engine's clock) it reads CPU and memory once and publishes the sample
// as a read-only snapshot, so a request path reads the latest figures with
// one atomic load and never waits for the operating system. This fixes the
// original library, which called psutil.cpu_percent(interval=0.1) — a
// 100 ms blocking sleep — on the event loop, inside its lock. CPU use is
// measured between two consecutive samples (gopsutil's cpu.Percent with a
// zero interval), so the first sample after start reads 0.
package sysload
