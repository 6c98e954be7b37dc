package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/migrations"
)

// traveller is what the privacy tests store about one person.
type traveller struct {
	phone, bsuid, messenger string
	locator, surname        string
	passport, birth         string
	conversation            int64
	passengerID, segmentID  int64
}

// seedBooking writes a booking of the demo booking system straight into its
// tables (the store may not import the adapter): a flight arriving at arrival,
// one passenger with a travel document, and the traveller's phone as contact.
func seedBooking(t *testing.T, b *bundle, tr *traveller, arrival time.Time) {
	t.Helper()
	db := b.db.Gorm
	sealer, _ := domain.NewSealer(b.key)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var flightID, bookingID int64
	number := 100 + int(time.Now().UnixNano()%800)
	must(db.Raw(`INSERT INTO pss_flights (carrier, number, flight_date, origin, destination, origin_zone, destination_zone, departure, arrival)
		VALUES ('SB', ?, ?, 'AMS', 'LHR', 'Europe/Amsterdam', 'Europe/London', ?, ?) RETURNING id`,
		number, arrival.Format(time.DateOnly)+tr.locator, arrival.Add(-time.Hour), arrival).Scan(&flightID).Error)
	must(db.Raw(`INSERT INTO pss_bookings (locator, whatsapp_sealed, email_sealed, messenger_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, tr.locator, sealer.Seal("+"+tr.phone), sealer.Seal("someone@example.com"), tr.messenger,
		arrival, arrival).Scan(&bookingID).Error)
	must(db.Raw(`INSERT INTO pss_passengers (booking_id, pos, given, surname, pax_type) VALUES (?, 1, 'Eva', ?, 'ADT') RETURNING id`,
		bookingID, tr.surname).Scan(&tr.passengerID).Error)
	must(db.Raw(`INSERT INTO pss_segments (booking_id, flight_id, cabin, booking_class, status) VALUES (?, ?, 'Y', 'Y', 'HK') RETURNING id`,
		bookingID, flightID).Scan(&tr.segmentID).Error)
	if tr.passport != "" {
		must(db.Exec(`INSERT INTO pss_documents (passenger_id, segment_id, doc_type, number_sealed, nationality, issuing_country, expiry, birth_date_sealed, created_at)
			VALUES (?, ?, 'P', ?, 'NL', 'NL', ?, ?, ?)`, tr.passengerID, tr.segmentID, sealer.Seal(tr.passport),
			time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC), sealer.Seal(tr.birth), arrival).Error)
	}
}

// chat has the traveller write on WhatsApp (with number and business-scoped id)
// and Messenger, prove their booking and get a boarding pass, as a check-in does.
func chat(t *testing.T, b *bundle, tr *traveller, at time.Time) {
	t.Helper()
	ctx := context.Background()
	n := at.UnixNano()
	ev := domain.ChannelEvent{UserID: tr.phone, AltUserID: tr.bsuid, ProfileName: "Eva " + tr.surname, Inbound: domain.Inbound{
		Channel: domain.WhatsApp, ChannelMessageID: fmt.Sprint("wamid.", n, tr.locator), Text: "my passport is " + tr.passport, ReceivedAt: at}}
	id, _, err := b.s.AcceptEvent(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	tr.conversation = id
	if err := b.s.AcceptWebhook(ctx, domain.WhatsApp, []byte(`{"entry":[{"changes":[{"value":{"contacts":[{"wa_id":"`+tr.phone+`"}]}}]}]}`)); err != nil {
		t.Fatal(err)
	}
	c, err := b.s.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := b.s.NextInbound(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c.Data = json.RawMessage(`{"surname":"` + tr.surname + `","passport":"` + tr.passport + `"}`)
	err = b.s.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: in.ID, At: at, Linked: domain.RecordLocator(tr.locator),
		Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "Thank you " + tr.surname}},
		Passes: []domain.BoardingPass{{Token: fmt.Sprint("tok", n, tr.locator), Locator: domain.RecordLocator(tr.locator), PassengerID: tr.passengerID,
			SegmentID: tr.segmentID, Name: domain.PersonName{Given: "Eva", Surname: tr.surname}, Seat: "8A", IssuedAt: at, Valid: true}},
		Preferences:      []domain.PreferenceUpdate{{Category: domain.Category("flight_updates"), OptedOut: true, At: at}},
		LookupFailureKey: "whatsapp:" + tr.phone})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.ReachOutsideWindow(ctx, domain.WhatsApp, tr.phone, 0); err != nil {
		t.Fatal(err)
	}
	if tr.messenger != "" {
		_, _, err := b.s.AcceptEvent(ctx, domain.ChannelEvent{UserID: tr.messenger, Inbound: domain.Inbound{
			Channel: domain.Messenger, ChannelMessageID: fmt.Sprint("m_", n, tr.locator), Text: "hello", ReceivedAt: at}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// finding is a value found where it should not be.
type finding struct{ table, column, value string }

func (f finding) String() string { return f.table + "." + f.column + ": " + f.value }

// scanDatabase reads every column of every table and reports each value that
// contains one of the needles, in clear or inside a sealed value (opened with
// sealer). Case is ignored.
func scanDatabase(t *testing.T, db *database.DB, sealer *domain.Sealer, needles ...string) []finding {
	t.Helper()
	type col struct{ table, column string }
	var cols []col
	if db.Dialect == migrations.Postgres {
		var rows []struct{ TableName, ColumnName string }
		if err := db.Gorm.Raw(`SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			cols = append(cols, col{r.TableName, r.ColumnName})
		}
	} else {
		var tables []string
		if err := db.Gorm.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var info []struct{ Name string }
			if err := db.Gorm.Raw(`SELECT name FROM pragma_table_info(?)`, tb).Scan(&info).Error; err != nil {
				t.Fatal(err)
			}
			for _, c := range info {
				cols = append(cols, col{tb, c.Name})
			}
		}
	}
	if len(cols) < 50 {
		t.Fatalf("only %d columns found: the scan would prove nothing", len(cols))
	}
	var out []finding
	for _, c := range cols {
		expr := `"` + c.column + `"`
		if db.Dialect == migrations.Postgres {
			expr = `CAST("` + c.column + `" AS TEXT)`
		}
		rows, err := db.Gorm.Raw(`SELECT ` + expr + ` FROM "` + c.table + `" WHERE "` + c.column + `" IS NOT NULL`).Rows()
		if err != nil {
			t.Fatalf("scan %s.%s: %v", c.table, c.column, err)
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			var s string
			switch x := v.(type) {
			case []byte:
				s = string(x)
			case string:
				s = x
			default:
				continue
			}
			texts := []string{s}
			if strings.HasPrefix(s, "v1:") {
				if plain, err := sealer.Open(s); err == nil {
					texts = append(texts, plain)
				}
			}
			for _, txt := range texts {
				for _, n := range needles {
					if n != "" && strings.Contains(strings.ToLower(txt), strings.ToLower(n)) {
						out = append(out, finding{c.table, c.column, txt})
					}
				}
			}
		}
		rows.Close()
	}
	return out
}
