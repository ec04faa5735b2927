package store

import (
	"errors"
	"fmt"
)

// ErrNotFound is wrapped by errors about things that do not exist.
var ErrNotFound = errors.New("not found")

// Error codes. People see the Message; operators see the wrapped detail.
const (
	ENotFound    = "not_found"
	EInvalid     = "invalid"
	EForbidden   = "forbidden"
	EAmbiguous   = "ambiguous"
	EUnavailable = "unavailable"
	EInternal    = "internal"
)

// Error is an error meant for the person who typed the command: Code for
// programs and logs, Message in Chinese for people.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted Chinese message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, ENotFound
// for ErrNotFound, and EInternal for anything else.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, ErrNotFound):
		return ENotFound
	}
	return EInternal
}

// ErrorMessage returns what a person should read for err: the Chinese
// message of an *Error, or a generic one that leaks no detail.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	case errors.Is(err, ErrNotFound):
		return "没有找到。"
	}
	return "内部错误，请稍后再试；如持续出现请联系运维。"
}
