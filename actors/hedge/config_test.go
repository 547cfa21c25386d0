package hedge_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/messages"
)

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg   hedge.Config
		field string // "" when valid
	}{
		{hedge.Config{}, ""},
		{hedge.Config{Delay: hedge.LargestDelay, Percentile: 99.9, Window: hedge.LargestWindow, MaxHedges: hedge.LargestMaxHedges,
			BudgetPercent: hedge.LargestBudgetPercent, BudgetBurst: hedge.LargestBudgetBurst}, ""},
		{hedge.Config{Delay: -1}, "Delay"},
		{hedge.Config{Delay: hedge.LargestDelay + 1}, "Delay"},
		{hedge.Config{Percentile: 0.5}, "Percentile"},
		{hedge.Config{Percentile: 100}, "Percentile"},
		{hedge.Config{MinDelay: -time.Second}, "MinDelay"},
		{hedge.Config{Window: 15}, "Window"},
		{hedge.Config{Window: hedge.LargestWindow + 1}, "Window"},
		{hedge.Config{MaxHedges: -1}, "MaxHedges"},
		{hedge.Config{MaxHedges: 17}, "MaxHedges"},
		{hedge.Config{BudgetPercent: -1}, "BudgetPercent"},
		{hedge.Config{BudgetPercent: 1601}, "BudgetPercent"},
		{hedge.Config{BudgetBurst: -1}, "BudgetBurst"},
		{hedge.Config{BudgetBurst: hedge.LargestBudgetBurst + 1}, "BudgetBurst"},
	} {
		err := c.cfg.Validate()
		_, nerr := hedge.New(nil, "x", c.cfg)
		var ce *messages.ConfigError
		switch {
		case (err == nil) != (nerr == nil):
			t.Errorf("%+v: Validate %v, New %v: they disagree", c.cfg, err, nerr)
		case c.field == "" && err != nil:
			t.Errorf("%+v: got %v, want valid", c.cfg, err)
		case c.field != "" && (!errors.As(err, &ce) || ce.Field != c.field):
			t.Errorf("%+v: got %v, want a ConfigError on %s", c.cfg, err, c.field)
		}
	}
}
