// Package measure is what Bulwark's metrics exporters (adapters/prometheus
// and adapters/otel) share: one table of the metrics, each with its name in
// both systems, and one read of an engine's instances that turns their
// Stats into samples. It imports neither client_golang nor otel, so each
// exporter pulls only its own library.
//
// A Source reads the instances that inventory.List finds (the supervised
// ones and those added to its inventory.Set), the instances shared through
// Redis added to it (whose own metrics are listed in Shared, not All) and
// the drop counters of the event subscribers added to it; Collect sends one sample per series to a
// function the exporter gives. Nothing is read on the call path: every
// figure comes from a Stats value asked for at collection time, under one
// deadline for the whole collection.
package measure
