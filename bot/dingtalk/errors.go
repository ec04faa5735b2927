package dingtalk

import (
	"errors"
	"fmt"
	"strings"
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
// than one send; nothing was posted. It is permanent: the reminder sender
// drops such a message (and logs it) rather than retry it for ever.
var ErrTooLong error = permanentError("dingtalk: message too long for one send")

// errBadRecipient is an OutMsg whose To is neither "group" nor "user:<id>".
var errBadRecipient error = permanentError("dingtalk: unknown recipient")

// permanentError is a sentinel that sending again cannot cure.
type permanentError string

func (e permanentError) Error() string { return string(e) }

// Permanent tells the reminder sender (remind.PermanentError) not to retry.
func (e permanentError) Permanent() bool { return true }

// Permanent reports whether sending the same message again cannot succeed:
// DingTalk refused the message itself (invalidParameter.msg*, 460101 too
// long, 400105 bad msgtype, 430101-430104 forbidden content) or its group is
// gone. Credential and robot errors are not: fixing the config delivers them.
func (e *APIError) Permanent() bool {
	switch e.Code {
	case "invalid.openConversationId", "group.disbanded", "400013", "400105", "460101",
		"430101", "430102", "430103", "430104":
		return true
	}
	return strings.HasPrefix(e.Code, "invalidParameter.msg")
}

// errTokenRejected marks an OpenAPI call refused for its access token.
var errTokenRejected = errors.New("dingtalk: access token rejected")

// RetryDelay is how long to wait before sending again; the reminder sender
// finds it with errors.As, so a custom robot's 10-minute ban is honoured
// rather than hammered.
func (e *ThrottledError) RetryDelay() time.Duration { return e.RetryAfter }
