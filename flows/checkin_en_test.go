package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

func TestCheckInEnglishHappyPath(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("ana")
	out := tr.say("Hi, I want to check in")
	expect(t, out, "booking reference")
	out = tr.say("jn7kqp jansen")
	expect(t, out, "JN7KQP", "SB1501", "Amsterdam", "Eindhoven")
	out = tr.tap("pax:")
	expect(t, out, "dangerous goods")
	out = tr.tap("yes")
	expect(t, out, "seat")
	out = tr.tap("seat:keep")
	expect(t, out, "Please check")
	out = tr.tap("yes")
	expect(t, out, "checked in")
	imgs, pdfs := passes(out, domain.OutImage), passes(out, domain.OutDocument)
	if len(imgs) != 1 || len(pdfs) != 1 {
		t.Fatalf("want one barcode and one PDF, got %v %v\n%s", imgs, pdfs, transcript(out))
	}
	token := strings.TrimSuffix(strings.TrimPrefix(pdfs[0], "/passes/"), ".pdf")
	bp, err := h.store.Pass(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bcbp.Decode(bp.BCBP)
	if err != nil {
		t.Fatalf("decode %q: %v", bp.BCBP, err)
	}
	if !strings.Contains(bp.BCBP, "JN7KQP") || !strings.Contains(bp.BCBP, "JANSEN/") {
		t.Fatalf("BCBP %q lacks booking reference or name (%+v)", bp.BCBP, p)
	}
	if st := tr.state(); st.Flow != "" {
		t.Fatalf("flow should have ended, is %s/%s", st.Flow, st.State)
	}
}
