package dingtalk

import (
	"errors"
	"fmt"
	"testing"
)

// A refusal that sending again cannot cure says so, so the reminder sender
// drops it instead of retrying for ever; anything else stays retryable.
func TestPermanentErrors(t *testing.T) {
	type permanent interface{ Permanent() bool }
	isPermanent := func(err error) bool {
		var p permanent
		return errors.As(err, &p) && p.Permanent()
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("dingtalk: post x: %w (3 sends needed)", ErrTooLong), true},
		{fmt.Errorf("dingtalk: post x: %w %q", errBadRecipient, "nobody"), true},
		{&APIError{Code: "invalidParameter.msgParam.tooLong"}, true},
		{&APIError{Code: "460101"}, true},
		{&APIError{Code: "group.disbanded"}, true},
		{&APIError{Code: "invalidParameter.robotCode.notExsit"}, false}, // fixing the config delivers it
		{&APIError{Status: 500, Code: "system.error"}, false},
		{&ThrottledError{Code: "130101"}, false},
		{errors.New("dial tcp: connection refused"), false},
	} {
		if got := isPermanent(tt.err); got != tt.want {
			t.Errorf("permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", ErrTooLong), ErrTooLong) {
		t.Error("errors.Is no longer finds ErrTooLong")
	}
}
