package domain

import (
	"errors"
	"fmt"
)

// Code classifies an error so that the edges (HTTP, chat replies) can map it without
// knowing where it came from.
type Code string

// Error codes.
const (
	NotFound    Code = "not_found"
	Invalid     Code = "invalid"
	Conflict    Code = "conflict"
	Unavailable Code = "unavailable"
	Forbidden   Code = "forbidden"
	Internal    Code = "internal"
)

// Error is a domain error: the operation that failed, its kind and the cause.
type Error struct {
	Op      string // operation, e.g. "find booking"
	Code    Code
	Message string // safe to show to a user or an API client
	Err     error  // cause, may be nil
}

// Errorf returns a domain error with a formatted message.
func Errorf(code Code, op, format string, args ...any) *Error {
	return &Error{Op: op, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	s := e.Op
	if e.Message != "" {
		if s != "" {
			s += ": "
		}
		s += e.Message
	}
	if e.Err != nil {
		if s != "" {
			s += ": "
		}
		s += e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first domain error in err's chain, Internal when
// err carries none, and "" for a nil error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the user-safe message of the first domain error in err's chain.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }
