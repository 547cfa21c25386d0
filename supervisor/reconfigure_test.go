package supervisor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

type reconfCfg struct {
	Limit int
	Wait  time.Duration
	Name  string
}

func TestSetConfigMovesTheConflictRule(t *testing.T) {
	s := newSupervisor(t)
	spec := func(c reconfCfg) supervisor.Spec {
		return supervisor.Spec{Kind: "k", Name: "n", Config: c, Start: func() (any, supervisor.Service, error) {
			return "handle", idle{}, nil
		}}
	}
	ctx := context.Background()
	if _, err := s.GetOrCreate(ctx, spec(reconfCfg{Limit: 1})); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConfig("k", "n", reconfCfg{Limit: 2}); err != nil {
		t.Fatal(err)
	}
	var conflict *supervisor.ConflictError
	if _, err := s.GetOrCreate(ctx, spec(reconfCfg{Limit: 1})); !errors.As(err, &conflict) {
		t.Fatalf("the first config after SetConfig: err = %v, want a *ConflictError", err)
	}
	h, err := s.GetOrCreate(ctx, spec(reconfCfg{Limit: 2}))
	if err != nil || h != "handle" {
		t.Fatalf("the current config: %v, %v; want the handle", h, err)
	}
	if c, ok := s.Lookup("k", "n"); !ok || c.Config != (reconfCfg{Limit: 2}) {
		t.Fatalf("Lookup Config = %+v, want the current config", c.Config)
	}
}

func TestSetConfigOfAnUnknownChild(t *testing.T) {
	s := newSupervisor(t)
	if err := s.SetConfig("k", "missing", reconfCfg{}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("err = %v, want ErrStopped", err)
	}
}

func TestChanges(t *testing.T) {
	old, new := supervisor.Changes(reconfCfg{Limit: 10, Wait: time.Second, Name: "a"}, reconfCfg{Limit: 5, Wait: time.Second, Name: "b"})
	if old != "Limit=10 Name=a" || new != "Limit=5 Name=b" {
		t.Fatalf("Changes = %q, %q", old, new)
	}
	if old, new := supervisor.Changes(reconfCfg{Limit: 1}, reconfCfg{Limit: 1}); old != "" || new != "" {
		t.Fatalf("no change: %q, %q", old, new)
	}
	if old, new := supervisor.Changes(1, "x"); old != "config=1" || new != "config=x" {
		t.Fatalf("different types: %q, %q", old, new)
	}
}
