package store

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func samplePass(token, seat string) domain.BoardingPass {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	dep := time.Date(2026, 7, 1, 9, 30, 0, 0, ams)
	return domain.BoardingPass{
		Token:        token,
		Locator:      "ABC123",
		PassengerID:  7,
		SegmentID:    9,
		Name:         domain.PersonName{Given: "Jan", Surname: "Jansen", Title: "MR"},
		PaxType:      domain.Adult,
		Flight:       domain.FlightNumber{Carrier: "KL", Number: 1234},
		Origin:       domain.Airport{Code: "AMS", Name: "Schiphol", City: "Amsterdam", Country: "NLD", Location: ams},
		Destination:  domain.Airport{Code: "CDG", City: "Paris", Country: "FRA"},
		Departure:    dep,
		BoardingTime: dep.Add(-40 * time.Minute),
		Gate:         "D7",
		Cabin:        domain.Economy,
		BookingClass: "M",
		Seat:         seat,
		Sequence:     12,
		TicketNumber: "0741234567890",
		BCBP:         "M1JANSEN/JAN MR        EABC123 AMSCDGKL 1234 182Y014C0012 100",
		IssuedAt:     time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC),
		Valid:        true,
	}
}

func TestCommitTurnConflictWritesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "one"), "u1")
		accept(t, b.s, msg("b", "two"), "u1")
		stale, _ := b.s.Conversation(ctx, conv)
		first, _, _ := b.s.NextInbound(ctx, conv)

		c := stale
		c.Flow, c.State = "checkin", "ask_locator"
		err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: first.ID,
			Transitions: []domain.Transition{{Flow: "checkin", From: "", To: "ask_locator", Event: "start"}},
			Outbound:    []domain.Outbound{{Kind: domain.OutText, Text: "Your booking reference?"}}})
		if err != nil {
			t.Fatalf("first turn: %v", err)
		}

		second, _, _ := b.s.NextInbound(ctx, conv)
		lost := stale // loaded before the first turn committed
		lost.State = "somewhere_else"
		err = b.s.CommitTurn(ctx, domain.Turn{Conversation: lost, InboundID: second.ID,
			Transitions:      []domain.Transition{{Flow: "checkin", From: "ask_locator", To: "x", Event: "e"}},
			Outbound:         []domain.Outbound{{Kind: domain.OutText, Text: "must not be sent"}},
			Passes:           []domain.BoardingPass{samplePass("tok-lost", "1A")},
			LookupFailureKey: "whatsapp:u1"})
		if !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("stale turn: err = %v, want conflict", err)
		}

		// The same inbound message committed twice, with a current version.
		cur, _ := b.s.Conversation(ctx, conv)
		err = b.s.CommitTurn(ctx, domain.Turn{Conversation: cur, InboundID: first.ID,
			Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "must not be sent either"}}})
		if !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("second commit of one message: err = %v, want conflict", err)
		}

		got, _ := b.s.Conversation(ctx, conv)
		if got.Version != 1 || got.State != "ask_locator" {
			t.Fatalf("conversation = version %d state %q, want 1 ask_locator", got.Version, got.State)
		}
		if next, ok, _ := b.s.NextInbound(ctx, conv); !ok || next.ID != second.ID {
			t.Fatalf("second message is no longer pending after a conflict: %+v %v", next, ok)
		}
		out, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		if len(out) != 1 || out[0].Text != "Your booking reference?" {
			t.Fatalf("outbound = %+v, want only the first turn's reply", out)
		}
		for table, want := range map[string]int{"transitions": 1, "boarding_passes": 0, "lookup_failures": 0} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != want {
				t.Errorf("%s: %d rows, want %d", table, n, want)
			}
		}
	})
}

func TestConcurrentCommitTurnOneWins(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "one"), "u1")
		c, _ := b.s.Conversation(ctx, conv)
		in, _, _ := b.s.NextInbound(ctx, conv)

		const racers = 8
		var wg sync.WaitGroup
		errs := make([]error, racers)
		for i := range racers {
			wg.Go(func() {
				errs[i] = b.s.CommitTurn(context.Background(), domain.Turn{Conversation: c, InboundID: in.ID,
					Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "a"}, {Kind: domain.OutText, Text: "b"}}})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !domain.IsCode(err, domain.Conflict):
				t.Fatalf("racer: %v, want nil or conflict", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d racers committed, want 1", wins)
		}
		out, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		if len(out) != 2 || out[0].Seq != 1 || out[1].Seq != 2 {
			t.Fatalf("outbound = %+v, want one turn's two messages", out)
		}
		if got, _ := b.s.Conversation(ctx, conv); got.Version != 1 {
			t.Fatalf("version %d, want 1", got.Version)
		}
	})
}

func TestPersonalDataIsSealedAtRest(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		in := msg("a", "my passport is X1234567")
		in.Payload = "PAX-X1234567"
		conv := accept(t, b.s, in, "u1")
		c, _ := b.s.Conversation(ctx, conv)
		pending, _, _ := b.s.NextInbound(ctx, conv)
		if pending.Text != in.Text || pending.Payload != in.Payload {
			t.Fatalf("NextInbound = %q %q, want the clear text back", pending.Text, pending.Payload)
		}
		c.Data = json.RawMessage(`{"passport":"X1234567","surname":"Jansen"}`)
		err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: pending.ID,
			Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "Thanks Jansen, X1234567 is saved"}},
			Passes:   []domain.BoardingPass{samplePass("tok-1", "14C")}})
		if err != nil {
			t.Fatal(err)
		}

		var raw []string
		for _, q := range []string{
			"SELECT text FROM inbound_messages", "SELECT payload FROM inbound_messages",
			"SELECT data FROM conversations", "SELECT body FROM outbound_messages",
			"SELECT body FROM boarding_passes",
		} {
			var col []string
			if err := db.Gorm.Raw(q).Scan(&col).Error; err != nil || len(col) != 1 {
				t.Fatalf("%s: %v %v", q, col, err)
			}
			raw = append(raw, col[0])
		}
		for _, v := range raw {
			if !strings.HasPrefix(v, "v1:k1:") {
				t.Errorf("column value %.20q… is not sealed", v)
			}
			for _, secret := range []string{"X1234567", "Jansen", "JANSEN", "passport"} {
				if strings.Contains(v, secret) {
					t.Errorf("sealed column holds %q in clear", secret)
				}
			}
		}

		got, _ := b.s.Conversation(ctx, conv)
		if string(got.Data) != string(c.Data) {
			t.Fatalf("data = %s, want %s", got.Data, c.Data)
		}
	})
}

func TestBoardingPassesRoundTripAndSupersede(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "check in"), "u1")
		c, _ := b.s.Conversation(ctx, conv)
		p1 := samplePass("tok-1", "14C")
		if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Passes: []domain.BoardingPass{p1}}); err != nil {
			t.Fatal(err)
		}
		got, err := b.s.Pass(ctx, "tok-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != p1.Name || got.Seat != "14C" || got.BCBP != p1.BCBP || got.Flight != p1.Flight ||
			!got.Departure.Equal(p1.Departure) || got.Departure.Location().String() != "Europe/Amsterdam" ||
			got.Origin.Code != "AMS" || got.Destination.City != "Paris" || !got.Valid || !got.IssuedAt.Equal(p1.IssuedAt) {
			t.Fatalf("Pass = %+v\nwant %+v", got, p1)
		}

		// A seat change re-issues the pass: the old token stops working.
		c, _ = b.s.Conversation(ctx, conv)
		p2 := samplePass("tok-2", "15A")
		p2.IssuedAt = p1.IssuedAt.Add(time.Hour)
		if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Passes: []domain.BoardingPass{p2}}); err != nil {
			t.Fatal(err)
		}
		found, ok, err := b.s.FindPass(ctx, "ABC123", 7, 9)
		if err != nil || !ok || found.Token != "tok-2" || found.Seat != "15A" {
			t.Fatalf("FindPass = %s %s %v %v, want tok-2 15A", found.Token, found.Seat, ok, err)
		}
		for _, tok := range []string{"tok-1", "unknown"} {
			if _, err := b.s.Pass(ctx, tok); !domain.IsCode(err, domain.NotFound) {
				t.Errorf("Pass(%s): err = %v, want not found", tok, err)
			}
		}
		if _, ok, _ := b.s.FindPass(ctx, "ABC123", 7, 10); ok {
			t.Error("FindPass on another segment found a pass")
		}
	})
}

func TestLookupFailuresCountSince(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "ABC123"), "u1")
		base := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		for i := range 3 {
			c, _ := b.s.Conversation(ctx, conv)
			err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, LookupFailureKey: "whatsapp:u1",
				At: base.Add(time.Duration(i) * 10 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			key   string
			since time.Time
			want  int
		}{
			{"whatsapp:u1", base, 3},
			{"whatsapp:u1", base.Add(5 * time.Minute), 2},
			{"whatsapp:u1", base.Add(time.Hour), 0},
			{"whatsapp:u2", base, 0},
		} {
			n, err := b.s.LookupFailures(ctx, tc.key, tc.since)
			if err != nil || n != tc.want {
				t.Errorf("LookupFailures(%s, %s) = %d %v, want %d", tc.key, tc.since, n, err, tc.want)
			}
		}
	})
}

func TestSubscribeWakesAfterOutbound(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "hi"), "u1")
		other := accept(t, b.s, msg("b", "hi"), "u2")
		ch, cancel := b.s.Subscribe(conv)
		defer cancel()

		commit := func(id int64, out ...domain.Outbound) {
			t.Helper()
			c, _ := b.s.Conversation(ctx, id)
			if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Outbound: out}); err != nil {
				t.Fatal(err)
			}
		}
		commit(conv) // no outbound: no wake-up
		commit(other, domain.Outbound{Kind: domain.OutText, Text: "not yours"})
		select {
		case <-ch:
			t.Fatal("woken without outbound messages of its conversation")
		default:
		}
		commit(conv, domain.Outbound{Kind: domain.OutText, Text: "1"})
		commit(conv, domain.Outbound{Kind: domain.OutText, Text: "2"})
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("not woken after a commit with outbound messages")
		}
		cancel()
		commit(conv, domain.Outbound{Kind: domain.OutText, Text: "3"})
		select {
		case <-ch:
			t.Fatal("woken after cancel")
		default:
		}
	})
}
