package prometheus_test

import (
	"context"
	"fmt"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/engine"
)

func Example() {
	eng, err := engine.New()
	if err != nil {
		panic(err)
	}
	defer eng.Shutdown(context.Background())
	b, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{})
	if err != nil {
		panic(err)
	}
	for range 3 {
		_ = b.Execute(context.Background(), func(context.Context) error { return nil })
	}

	c, err := prometheus.New(eng, prometheus.Options{})
	if err != nil {
		panic(err)
	}
	reg := prom.NewRegistry()
	reg.MustRegister(c) // serve it with promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	families, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, f := range families {
		if f.GetName() != "bulwark_circuit_state" && f.GetName() != "bulwark_calls_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			fmt.Println(f.GetName(), labels, m.GetCounter().GetValue()+m.GetGauge().GetValue())
		}
	}
	// Output:
	// bulwark_calls_total name=payments outcome=failure pattern=circuitbreaker  0
	// bulwark_calls_total name=payments outcome=ignored pattern=circuitbreaker  0
	// bulwark_calls_total name=payments outcome=rejected pattern=circuitbreaker  0
	// bulwark_calls_total name=payments outcome=success pattern=circuitbreaker  3
	// bulwark_circuit_state name=payments state=closed  1
	// bulwark_circuit_state name=payments state=half_open  0
	// bulwark_circuit_state name=payments state=open  0
}
