package store

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestUnreachableDatabaseIsUnavailable: what a database restart looks like to a
// caller — no server listening, a connection ended by the server — is
// domain.Unavailable (a webhook answered 503, redelivered by Meta; a write worth
// retrying); an answer from the database is not.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, refused := pgx.Connect(ctx, "postgres://postgres@"+closed+"/test?sslmode=disable&connect_timeout=2")
	if refused == nil {
		t.Fatal("connected to a closed port")
	}

	base := dbtest.PostgresURL(t)
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, answered := conn.Exec(ctx, "SELECT * FROM no_such_table")
	victim, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend($1)", victim.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	_, terminated := victim.Exec(ctx, "SELECT 1")

	for _, tc := range []struct {
		name string
		err  error
		want domain.Code
	}{
		{"connection refused", refused, domain.Unavailable},
		{"connection terminated by the server", terminated, domain.Unavailable},
		{"the database answered with an error", answered, domain.Internal},
		{"any other error", errors.New("bad input"), domain.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error to classify")
			}
			got := unavailable(tc.err)
			if domain.ErrorCode(got) != tc.want || !errors.Is(got, tc.err) {
				t.Fatalf("unavailable(%v) = %v with code %s, want code %s wrapping the cause", tc.err, got, domain.ErrorCode(got), tc.want)
			}
		})
	}
}
