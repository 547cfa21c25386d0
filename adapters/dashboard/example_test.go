package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/engine"
)

func Example() {
	eng, err := engine.New()
	if err != nil {
		panic(err)
	}
	defer eng.Shutdown(context.Background())
	payments, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{})
	if err != nil {
		panic(err)
	}
	h, err := dashboard.New(eng, dashboard.Options{Critical: []string{"payments"}})
	if err != nil {
		panic(err)
	}
	// In a program: http.Handle("/bulwark/", http.StripPrefix("/bulwark", h)).
	srv := httptest.NewServer(h)
	defer srv.Close()

	health := func() {
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Print(resp.StatusCode, " ", string(body))
	}
	health()
	_ = payments.ForceOpen(context.Background())
	health()
	// Output:
	// 200 {"status":"ok"}
	// 503 {"status":"unavailable","open":["payments"]}
}
