package flows_test

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// A paid order whose seat the booking system gave to someone else meanwhile is
// refunded, and the traveller is not told that the offer had expired.
func TestOrderPaidForASeatTakenMeanwhileIsRefundedTruthfully(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("seatgone")
	buyBag(t, tr)
	ref := h.pay.onlyReference()
	h.pay.settle(ref)
	h.sales.FulfilErr = domain.Errorf(domain.Conflict, "fulfil", domain.SeatTaken)
	out, err := tr.paymentReport("evt_seat", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "couldn't complete this on your booking", "refunded in full")
	expectNot(t, out, "expired")
	if n := h.pay.refundCount(); n != 1 {
		t.Fatalf("%d refunds, want 1", n)
	}
}
