package ratelimit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/facestat/facestat/ratelimit"
)

func TestRule(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, r := range []ratelimit.Rule{
			{Name: "a", Limit: 5, Per: time.Minute},
			{Name: "off", Limit: 0},
			{Name: "neg", Limit: -1, Per: -time.Second},
		} {
			if err := r.Validate(); err != nil {
				t.Errorf("%+v: Validate() = %v", r, err)
			}
		}
		if !(ratelimit.Rule{Limit: 0}).Disabled() || !(ratelimit.Rule{Limit: -3}).Disabled() {
			t.Error("Limit <= 0 not disabled")
		}
		if (ratelimit.Rule{Limit: 1, Per: time.Second}).Disabled() {
			t.Error("Limit 1 disabled")
		}
	})
	t.Run("ErrInvalidRule", func(t *testing.T) {
		for _, r := range []ratelimit.Rule{
			{Name: "zero", Limit: 5},
			{Name: "neg", Limit: 1, Per: -time.Second},
		} {
			if err := r.Validate(); !errors.Is(err, ratelimit.ErrInvalidRule) {
				t.Errorf("%+v: Validate() = %v, want ErrInvalidRule", r, err)
			}
		}
	})
}
