package reconf_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/internal/reconf"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type cfg struct{ Limit, Queue int }

func TestRecordPublishesWhatChanged(t *testing.T) {
	e, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	sub, err := e.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if reconf.Record(e, "k", "n", cfg{1, 2}, cfg{1, 2}) {
		t.Fatal("an identical config reported a change")
	}
	if !reconf.Record(e, "k", "n", cfg{1, 2}, cfg{3, 2}) {
		t.Fatal("a changed config reported none")
	}
	ev := <-sub.C()
	if ev.Pattern != "k" || ev.Name != "n" || ev.Fields.OldState != "Limit=1" || ev.Fields.NewState != "Limit=3" {
		t.Fatalf("got %v, want config_changed k/n old_state=Limit=1 new_state=Limit=3", ev)
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("the identical config published %v", ev)
	default:
	}
}
