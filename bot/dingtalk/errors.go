package dingtalk

import (
	"errors"
	"fmt"
	"time"
)

// ErrThrottled is matched (errors.Is) by every *ThrottledError.
var ErrThrottled = errors.New("dingtalk: throttled")

// ThrottledError is a send DingTalk refused as too fast, after the client's
// own retries. RetryAfter is how long to wait before trying again.
type ThrottledError struct {
	Op         string
	Code       string // HTTP 429, send.too.fast, 130101, 410100, ...
	RetryAfter time.Duration
	// transient refusals (429, send.too.fast, busy) are retried by the
	// client itself; the custom robot's 130101/410100 ban is not.
	transient bool
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("dingtalk: %s: throttled (%s), retry after %v", e.Op, e.Code, e.RetryAfter)
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// APIError is any other refusal from DingTalk.
type APIError struct {
	Op      string
	Status  int    // HTTP status
	Code    string // the OpenAPI code, or the webhook errcode
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("dingtalk: %s: HTTP %d %s: %s", e.Op, e.Status, e.Code, e.Message)
}

// ErrTooLong is returned by Client.Post for a message that would need more
// than one send; nothing was posted. The sender retries it like any error.
var ErrTooLong = errors.New("dingtalk: message too long for one send")

// errTokenRejected marks an OpenAPI call refused for its access token.
var errTokenRejected = errors.New("dingtalk: access token rejected")

// RetryDelay is how long to wait before sending again; the reminder sender
// finds it with errors.As, so a custom robot's 10-minute ban is honoured
// rather than hammered.
func (e *ThrottledError) RetryDelay() time.Duration { return e.RetryAfter }
