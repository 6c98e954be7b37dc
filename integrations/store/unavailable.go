package store

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/skybridge/skybridge/domain"
)

// unavailable marks err as domain.Unavailable when it says the database could
// not be reached — refused connections, a server shutting down or starting up,
// a connection lost in the middle of a statement — and returns any other error
// unchanged. Such a failure says nothing about the data: the caller may answer
// "try again" (a webhook answered 503 is redelivered by Meta) or retry a write
// that must not be lost once the database is back.
func unavailable(err error) error {
	if err == nil || !unreachable(err) {
		return err
	}
	return &domain.Error{Code: domain.Unavailable, Message: "database unreachable", Err: err}
}

// unreachable reports whether err is a failure to reach the database rather
// than an answer from it.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: the server is shutting
		// down, crashed, or not yet accepting connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "conn closed")
}
