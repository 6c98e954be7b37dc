package pss_test

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// A passenger moved to another flight is checked in there without giving the
// passport again: the booking system uses the one on file, checked against the new
// date of travel. Without one on file, the document is still required.
func TestCheckInUsesTheDocumentOnFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "DB4LHR") // AMS-LHR today
		dep := bk.Segments[0].Flight.Departure
		tomorrow := time.Date(dep.Year(), dep.Month(), dep.Day()+1, 0, 0, 0, 0, time.UTC)
		req := request(t, b, "DB4LHR", 0, 0, 1)
		req.Passengers[0].Document = passport("P1234567", summerNow.AddDate(5, 0, 0))
		req.Passengers[1].Document = passport("P7654321", tomorrow) // valid today only
		if _, err := b.demo.CheckIn(t.Context(), req); err != nil {
			t.Fatal(err)
		}

		// Both move to tomorrow morning's flight.
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator,
			SegmentIDs: []int64{bk.Segments[0].ID}, From: dep.Add(-24 * time.Hour), To: dep.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		// One leaving tomorrow, its check-in open already.
		var alt domain.Alternative
		for _, a := range alts {
			if d := a.Flights[0].Departure; !d.Before(tomorrow) && d.Sub(summerNow) < 29*time.Hour && alt.ID == "" {
				alt = a
			}
		}
		if alt.ID == "" {
			t.Fatalf("no alternative tomorrow with check-in open among %d", len(alts))
		}
		res, err := b.demo.Reissue(t.Context(), domain.ReissueRequest{IdempotencyKey: "move", Locator: bk.Locator,
			SegmentIDs: []int64{bk.Segments[0].ID}, AlternativeID: alt.ID, PaymentID: "pi_1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.VoidedCheckIns) != 2 || len(res.NewSegmentIDs) != 1 {
			t.Fatalf("reissue voided %d check-ins onto %v", len(res.VoidedCheckIns), res.NewSegmentIDs)
		}
		seg := res.NewSegmentIDs[0]
		again := func(key string, pax int64) error {
			_, err := b.demo.CheckIn(t.Context(), domain.CheckInRequest{IdempotencyKey: key, Locator: bk.Locator, SegmentID: seg,
				Passengers: []domain.PassengerCheckIn{{PassengerID: pax, DangerousGoodsAck: true}}})
			return err
		}
		if err := again("again-0", bk.Passengers[0].ID); err != nil {
			t.Fatalf("check-in with the passport on file: %v", err)
		}
		var stored int64
		if err := db.Gorm.Raw(`SELECT count(*) FROM pss_documents WHERE passenger_id = ? AND segment_id = ?`, bk.Passengers[0].ID, seg).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if stored != 1 {
			t.Errorf("%d documents recorded for the new flight, want 1", stored)
		}
		err = again("again-1", bk.Passengers[1].ID)
		if !domain.IsCode(err, domain.Invalid) || domain.ErrorMessage(err) != domain.DocExpiredBeforeTravel {
			t.Errorf("passport on file expiring before the new flight: err = %v, want %q", err, domain.DocExpiredBeforeTravel)
		}

		// Nobody on BN2CPH ever gave a document.
		err = func() error { _, err := b.demo.CheckIn(t.Context(), request(t, b, "BN2CPH", 0, 0)); return err }()
		if !domain.IsCode(err, domain.Invalid) || domain.ErrorMessage(err) != domain.DocMissingField {
			t.Errorf("no document given nor on file: err = %v, want %q", err, domain.DocMissingField)
		}
	})
}
